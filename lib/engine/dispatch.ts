import { isAvailable } from '../domain/availability.js';
import { modeNamed } from '../domain/distribution/index.js';
import type { Operator, Settings } from '../domain/model.js';
import type { AssignWaitingInput, WaitingEntry } from '../store/port.js';
import type { EngineDeps } from './deps.js';
import { orderOf, QUEUE_PAGE_SIZE } from './start-chat.js';

/**
 * Waiting chats assigned per transaction at most (and read per step): a wave of freed slots is
 * taken in one write, and a batch stays small enough that a change to one of its items rarely
 * sends it back.
 */
export const BATCH_SIZE = 10;

/** Transactions one pass makes at most (one event frees few slots; an operator coming online frees maxChats). */
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
  const mode = modeNamed(settings.distribution);
  const needsAll = mode.reads === 'all-available';
  const operators = new Map<string, Operator>();
  const nowMs = deps.clock();
  const anyAvailable = () => [...operators.values()].some((operator) => isAvailable(operator, settings, nowMs));
  let cursor;
  do {
    const page = await deps.store.readQueue(siteId, {
      limit: needsAll ? undefined : QUEUE_PAGE_SIZE,
      operatorsOnly: true,
      cursor,
      order: orderOf(mode),
    });
    for (const operator of page.operators) operators.set(operator.id, operator);
    cursor = page.cursor;
    // Past a head of stale operators the sweep has not taken out yet, as a chat start does.
  } while (cursor && (needsAll || !anyAvailable()));
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
 * The next batch: the oldest waiting chats, each to the operator the site's distribution picks
 * among those available and not yet given a chat of this batch (one claim per operator per
 * transaction: two on one item cannot share a transaction, and its next turn is not known
 * before the first lands). Stops at the first chat nobody is left for.
 */
function planBatch(deps: EngineDeps, waiting: readonly WaitingEntry[], view: OperatorsView, afterConflict: boolean, nowMs: number) {
  const { settings } = view;
  const mode = modeNamed(settings.distribution);
  const taken = new Set<string>();
  const visitors = new Set<string>();
  const batch: AssignWaitingInput[] = [];
  for (const entry of waiting.slice(0, BATCH_SIZE)) {
    // One item once per transaction: a visitor's second waiting chat goes in the next batch.
    if (visitors.has(entry.visitorId)) break;
    visitors.add(entry.visitorId);
    const available = [...view.operators.values()].filter((operator) => !taken.has(operator.id) && isAvailable(operator, settings, nowMs));
    const operator = mode.pick(available, { random: deps.random, afterConflict });
    if (!operator) break;
    taken.add(operator.id);
    batch.push({ settings, operator, guard: mode.claimGuard(operator), entry, assignedBy: mode.name, nowMs });
  }
  return batch;
}

/**
 * Assigns the site's waiting chats, oldest first, while an operator may take them: by the site's
 * distribution (`assignedBy` its mode) and the same conditional claim as a new chat, with the
 * chat's move from waiting to assigned in the same transaction, up to BATCH_SIZE chats per
 * transaction. Safe to run concurrently and to repeat: a chat or a slot another pass took makes
 * this one re-read and go on. `fresh`: the operators as the triggering stream records showed them.
 */
export async function dispatchWaiting(deps: EngineDeps, siteId: string, fresh: readonly Operator[] = []): Promise<DispatchResult> {
  let assigned = 0;
  let waiting: WaitingEntry[] = [];
  let view: OperatorsView | null = null;
  let afterConflict = false;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (waiting.length === 0) waiting = await deps.store.readWaiting(siteId, BATCH_SIZE);
    if (waiting.length === 0) return { assigned, stoppedBecause: 'queue-empty' };
    view ??= await readOperators(deps, siteId, fresh);
    if (!view) return { assigned, stoppedBecause: 'site-gone' };
    const nowMs = deps.clock();
    const batch = planBatch(deps, waiting, view, afterConflict, nowMs);
    if (batch.length === 0) return { assigned, stoppedBecause: 'nobody-available' };
    const outcome = await deps.store.assignWaiting(batch);
    afterConflict = outcome.kind !== 'assigned';
    if (outcome.kind === 'assigned') {
      assigned += batch.length;
      waiting = waiting.slice(batch.length);
      for (const { operator } of batch) view.operators.set(operator.id, afterAssignment(operator, nowMs));
    } else if (outcome.kind === 'operator-lost') {
      // The copy was stale (the index lags, an image ages): the operator as it is now.
      const current = await deps.store.getOperator(siteId, outcome.operatorId);
      if (current) view.operators.set(outcome.operatorId, current.operator);
      else view.operators.delete(outcome.operatorId);
    } else if (outcome.kind === 'chat-gone') {
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
