import { isAvailable } from '../domain/availability.js';
import { turnOnComingOnline } from '../domain/distribution/decide.js';
import { invalidRequest, operatorNotFound } from '../domain/errors.js';
import { hashToken, newToken, tiebreaker } from '../domain/ids.js';
import type { Operator, OperatorStatus } from '../domain/model.js';
import type { OperatorInput } from '../domain/schemas.js';
import type { OperatorRecord } from '../store/port.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { keepRandomSlot, keepRandomSlotAfterStatus } from './random-slots.js';
import { writeStatus } from './liveness.js';
import { requireSite } from './sites.js';
import { QUEUE_PAGE_SIZE } from './start-chat.js';

export interface UpsertResult {
  operator: Operator;
  /** Present only when the operator was created: the one time the token is shown. */
  operatorToken?: string;
}

function newOperator(siteId: string, operatorId: string, input: OperatorInput): Operator {
  return {
    siteId,
    id: operatorId,
    name: input.name,
    avatarUrl: input.avatarUrl ?? null,
    status: 'offline',
    maxChats: input.maxChats ?? null,
    activeChats: 0,
    lastAssignedAt: null,
    heartbeatAtMs: null,
    assigned: 0,
    turn: 0,
    incarnation: tiebreaker(),
    groups: sortedGroups(input.groups ?? []),
    missed: 0,
    missedInARow: 0,
  };
}

const sortedGroups = (groups: readonly string[]) => [...new Set(groups)].sort();

const noSuchGroup = (groupId: string) => invalidRequest(`groups: no group "${groupId}" on this site`);

/** Creates the operator (offline, with a fresh token) or updates its profile. */
export async function upsertOperator(
  deps: EngineDeps,
  siteId: string,
  operatorId: string,
  input: OperatorInput,
): Promise<UpsertResult> {
  const site = await requireSite(deps, siteId);
  return untilWritten(async () => {
    const existing = await deps.store.getOperator(siteId, operatorId);
    if (!existing) {
      const operatorToken = newToken();
      const record: OperatorRecord = {
        operator: newOperator(siteId, operatorId, input),
        tokenHash: hashToken(operatorToken),
        version: 0,
      };
      const created = await deps.store.createOperator(
        record,
        site.settings.heartbeatTimeoutSeconds,
        new Date(deps.clock()).toISOString(),
      );
      if (!created.written && created.missingGroup !== undefined) throw noSuchGroup(created.missingGroup);
      return created.written ? { operator: record.operator, operatorToken } : undefined;
    }
    const changes = {
      name: input.name,
      avatarUrl: input.avatarUrl !== undefined ? input.avatarUrl : existing.operator.avatarUrl,
      maxChats: input.maxChats !== undefined ? input.maxChats : existing.operator.maxChats,
      groups: input.groups !== undefined ? sortedGroups(input.groups) : existing.operator.groups,
    };
    const updated = await deps.store.updateOperator(existing, changes, deps.clock());
    if (!updated.written && updated.missingGroup !== undefined) throw noSuchGroup(updated.missingGroup);
    return updated.written ? { operator: { ...existing.operator, ...changes } } : undefined;
  });
}

export async function requireOperator(deps: EngineDeps, siteId: string, operatorId: string): Promise<OperatorRecord> {
  const record = await deps.store.getOperator(siteId, operatorId);
  if (!record) throw operatorNotFound();
  return record;
}

/**
 * Sets the operator's status; it counts as a heartbeat. An operator coming online takes at
 * least the lowest turn of the operators already taking chats, so that after a conflict it is
 * not the only one everybody retries on.
 */
export async function setOperatorStatus(
  deps: EngineDeps,
  siteId: string,
  operatorId: string,
  status: OperatorStatus,
): Promise<Operator> {
  const operator = await untilWritten(async () => {
    const record = await requireOperator(deps, siteId, operatorId);
    const nowMs = deps.clock();
    let turn = record.operator.turn;
    if (status === 'online' && record.operator.status !== 'online') {
      const head = await deps.store.readQueue(siteId, { limit: QUEUE_PAGE_SIZE + 1 });
      const { settings } = head;
      const available = settings ? head.operators.filter((other) => isAvailable(other, settings, nowMs)) : [];
      turn = turnOnComingOnline(record.operator, available);
    }
    const written = await writeStatus(deps, record, status, turn, nowMs);
    return written ? { ...record.operator, status, turn, heartbeatAtMs: nowMs } : undefined;
  });
  await keepRandomSlotAfterStatus(deps, siteId, operatorId);
  return operator;
}

export async function recordHeartbeat(deps: EngineDeps, siteId: string, operatorId: string): Promise<void> {
  if (!(await deps.store.recordHeartbeat(siteId, operatorId, deps.clock()))) throw operatorNotFound();
}

export async function deleteOperator(deps: EngineDeps, siteId: string, operatorId: string): Promise<void> {
  const site = await requireSite(deps, siteId);
  await untilWritten(async () => {
    const record = await requireOperator(deps, siteId, operatorId);
    // The delete's condition wants the random-mode slot given back.
    await keepRandomSlot(deps, siteId, operatorId, true);
    return (await deps.store.deleteOperator(site, record)) || undefined;
  });
}

export async function listOperators(deps: EngineDeps, siteId: string): Promise<Operator[]> {
  await requireSite(deps, siteId);
  return deps.store.listOperators(siteId);
}
