import { isAvailable } from '../domain/availability.js';
import { modeNamed } from '../domain/distribution/index.js';
import type { Operator, Settings } from '../domain/model.js';
import type { WaitingEntry } from '../store/port.js';
import type { EngineDeps } from './deps.js';
import { QUEUE_PAGE_SIZE } from './start-chat.js';

/** Waiting chats read per step: the oldest few, so that a lost chat does not cost a re-read. */
const WAITING_PAGE = 5;

/** Assignments one pass makes at most (one event frees few slots; an operator coming online frees maxChats). */
const MAX_STEPS = 1_000;

export interface DispatchResult {
  assigned: number;
  /** Chats still waiting at the end are known to have nobody who could take them. */
  stoppedBecause: 'queue-empty' | 'nobody-available' | 'site-gone' | 'step-limit';
}

interface OperatorsView {
  settings: Settings;
  operators: Map<string, Operator>;
}

/**
 * The likelier newer of two copies of an operator: every claim raises the turn; at the same turn
 * only closes moved the count of open chats (down); else the later heartbeat. A wrong guess
 * costs one lost claim, after which the operator is read from the table.
 */
function newer(a: Operator, b: Operator): Operator {
  if (a.turn !== b.turn) return a.turn > b.turn ? a : b;
  if (a.activeChats !== b.activeChats) return a.activeChats < b.activeChats ? a : b;
  return (a.heartbeatAtMs ?? 0) >= (b.heartbeatAtMs ?? 0) ? a : b;
}

/**
 * The settings and the operators that may take chats: the head of the queue index (operators
 * only, past the waiting chats), every page for a mode that reads all, and the operators the
 * triggering events carried (their new images: fresher than an index that may lag the write).
 */
async function readOperators(deps: EngineDeps, siteId: string, fresh: readonly Operator[]): Promise<OperatorsView | null> {
  const site = await deps.store.getSite(siteId);
  if (!site) return null;
  const { settings } = site;
  const needsAll = modeNamed(settings.distribution).reads === 'all-available';
  const operators = new Map<string, Operator>();
  let cursor;
  do {
    const page = await deps.store.readQueue(siteId, { limit: needsAll ? undefined : QUEUE_PAGE_SIZE, operatorsOnly: true, cursor });
    for (const operator of page.operators) operators.set(operator.id, operator);
    cursor = page.cursor;
  } while (cursor && needsAll);
  for (const operator of fresh) {
    const known = operators.get(operator.id);
    operators.set(operator.id, known ? newer(known, operator) : operator);
  }
  return { settings, operators };
}

/** The operator's copy after a claim this pass made on it. */
function afterAssignment(operator: Operator, nowMs: number): Operator {
  return {
    ...operator,
    activeChats: operator.activeChats + 1,
    assigned: operator.assigned + 1,
    turn: operator.turn + 1,
    lastAssignedAt: new Date(nowMs).toISOString(),
  };
}

/**
 * Assigns the site's waiting chats, oldest first, while an operator may take them: by the site's
 * distribution (`assignedBy` its mode) and the same conditional claim as a new chat, with the
 * chat's move from waiting to assigned in the same transaction. Safe to run concurrently and to
 * repeat: a chat or a slot another pass took makes this one re-read and go on. `fresh`: the
 * operators as the triggering stream records showed them.
 */
export async function dispatchWaiting(deps: EngineDeps, siteId: string, fresh: readonly Operator[] = []): Promise<DispatchResult> {
  let assigned = 0;
  let waiting: WaitingEntry[] = [];
  let view: OperatorsView | null = null;
  let afterConflict = false;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (waiting.length === 0) waiting = await deps.store.readWaiting(siteId, WAITING_PAGE);
    const entry = waiting[0];
    if (!entry) return { assigned, stoppedBecause: 'queue-empty' };
    view ??= await readOperators(deps, siteId, fresh);
    if (!view) return { assigned, stoppedBecause: 'site-gone' };
    const { settings } = view;
    const nowMs = deps.clock();
    const available = [...view.operators.values()].filter((operator) => isAvailable(operator, settings, nowMs));
    const mode = modeNamed(settings.distribution);
    const operator = mode.pick(available, { random: deps.random, afterConflict });
    if (!operator) return { assigned, stoppedBecause: 'nobody-available' };
    const guard = mode.claimGuard(operator);
    const outcome = await deps.store.assignWaiting({ settings, operator, guard, entry, assignedBy: mode.name, nowMs });
    afterConflict = outcome !== 'assigned';
    if (outcome === 'assigned') {
      assigned += 1;
      waiting.shift();
      view.operators.set(operator.id, afterAssignment(operator, nowMs));
    } else if (outcome === 'operator-lost') {
      // The copy was stale (the index lags, an image ages): the operator as it is now.
      const current = await deps.store.getOperator(siteId, operator.id);
      if (current) view.operators.set(operator.id, current.operator);
      else view.operators.delete(operator.id);
    } else if (outcome === 'chat-gone') {
      waiting = [];
    } else {
      // Another transaction held an item: re-read after a short random pause, so racers part.
      waiting = [];
      view = null;
      await new Promise((resolve) => setTimeout(resolve, deps.random() * 20));
    }
  }
  return { assigned, stoppedBecause: 'step-limit' };
}
