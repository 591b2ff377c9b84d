import { COPY_HEARTBEAT, isAvailable } from '../domain/availability.js';
import { retireIfStale } from './liveness.js';
import { modeNamed } from '../domain/distribution/index.js';
import { takesGroup, type Operator, type Settings } from '../domain/model.js';
import { assignmentWeight, MAX_BATCH_WEIGHT, type AssignWaitingInput, type WaitingEntry } from '../store/port.js';
import { scheduleAnswerDeadlines } from './answer-deadline.js';
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

/** Waiting chats read per page while planning a batch (group chats nobody can take are passed over). */
const WAITING_PAGE = BATCH_SIZE;

/** The partition of the site's queue index a waiting chat is served from: its group's, or '' for the site's. */
const SITE = '';
const partitionOf = (entry: WaitingEntry) => (entry.group !== null && !entry.escalated ? entry.group : SITE);

interface OperatorsView {
  settings: Settings;
  /** Every operator read, as its freshest known copy. */
  operators: Map<string, Operator>;
  /** The operators each partition read showed (the site's head, each group's copies), by id. */
  partitions: Map<string, Set<string>>;
  /** The operators the triggering events carried (their new images: fresher than an index that may lag the write). */
  fresh: readonly Operator[];
  /** Partitions whose read stopped before their last page (operators may lie past what was read). */
  truncated: Set<string>;
}

/**
 * The likelier newer of two copies of an operator: every claim raises the turn; at the same turn
 * only closes moved the count of open chats (down); else the one that knows the heartbeat (read
 * from the table or a stream image, not an index copy), then the later heartbeat. A wrong guess
 * costs one lost claim, after which the operator is read from the table.
 */
function newer(a: Operator, b: Operator): Operator {
  if (a.turn !== b.turn) return a.turn > b.turn ? a : b;
  if (a.activeChats !== b.activeChats) return a.activeChats < b.activeChats ? a : b;
  const known = (operator: Operator) => (operator.heartbeatAtMs === COPY_HEARTBEAT ? -1 : (operator.heartbeatAtMs ?? 0));
  return known(a) >= known(b) ? a : b;
}

function remember(view: OperatorsView, partition: string, operators: readonly Operator[]) {
  const ids = view.partitions.get(partition) ?? new Set<string>();
  for (const operator of operators) {
    const known = view.operators.get(operator.id);
    view.operators.set(operator.id, known ? newer(known, operator) : operator);
    ids.add(operator.id);
  }
  view.partitions.set(partition, ids);
}

/**
 * Reads a partition's operators: the head (operators only, past the waiting chats), further
 * pages past a head of stale operators their checks have not taken out yet, as a chat start does,
 * and every page for a mode that reads all. The triggering operators join each partition they
 * belong to.
 */
async function readPartition(deps: EngineDeps, siteId: string, view: OperatorsView, partition: string) {
  const { settings } = view;
  const mode = modeNamed(settings.distribution);
  const needsAll = mode.reads === 'all-available';
  const nowMs = deps.clock();
  const read: Operator[] = [];
  // A copy as the fresher images or table reads know it (a copy of a stale operator looks live).
  const known = new Map(view.fresh.map((operator) => [operator.id, operator]));
  const freshest = (copy: Operator) => (known.has(copy.id) ? newer(copy, known.get(copy.id)!) : copy);
  let cursor;
  do {
    const page = await deps.store.readQueue(siteId, {
      limit: needsAll ? undefined : QUEUE_PAGE_SIZE,
      operatorsOnly: true,
      cursor,
      order: orderOf(mode),
      ...(partition === SITE ? {} : { group: partition }),
    });
    read.push(...page.operators);
    cursor = page.cursor;
  } while (cursor && (needsAll || !read.some((operator) => isAvailable(freshest(operator), settings, nowMs))));
  if (cursor) view.truncated.add(partition);
  remember(view, partition, read);
  remember(view, partition, view.fresh.filter((operator) => takesGroup(operator, partition === SITE ? null : partition)));
}

async function readView(deps: EngineDeps, siteId: string, fresh: readonly Operator[]): Promise<OperatorsView | null> {
  const site = await deps.store.getSite(siteId);
  if (!site) return null;
  const view: OperatorsView = { settings: site.settings, operators: new Map(), partitions: new Map(), fresh, truncated: new Set() };
  await readPartition(deps, siteId, view, SITE);
  return view;
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

interface Plan {
  batch: AssignWaitingInput[];
  taken: Set<string>;
  visitors: Set<string>;
  weight: number;
  /** Planning stopped before the end of the waiting chats (batch full, or a visitor's second chat). */
  full: boolean;
  /** Partitions where a chat found nobody left: a younger chat of theirs finds nobody either. */
  exhausted: Set<string>;
}

/**
 * Adds to the batch, oldest first, each waiting chat of the page that an operator of its
 * partition (its group's, or the site's) may take: the one the site's distribution picks among
 * those available and not yet given a chat of this batch (one claim per operator per
 * transaction: two on one item cannot share a transaction, and its next turn is not known
 * before the first lands). A chat nobody is left for is passed over: whoever could take it
 * already took an older chat of this batch, so no chat is passed over by a younger one that the
 * same operator could take.
 */
function planPage(deps: EngineDeps, page: readonly WaitingEntry[], view: OperatorsView, plan: Plan, afterConflict: boolean, nowMs: number) {
  const { settings } = view;
  const mode = modeNamed(settings.distribution);
  for (const entry of page) {
    const partition = partitionOf(entry);
    const ids = view.partitions.get(partition) ?? new Set<string>();
    const available = [...ids]
      .filter((id) => !plan.taken.has(id))
      .map((id) => view.operators.get(id))
      // Not deleted (a lost claim found it gone), and still of the group as the freshest copy says (an older image may have brought it into the partition).
      .filter((operator): operator is Operator => operator !== undefined && takesGroup(operator, partition === SITE ? null : partition) && isAvailable(operator, settings, nowMs));
    // Never back to an operator it was taken from unanswered: with only them left, it waits.
    const allowed = entry.missedBy.length === 0 ? available : available.filter((operator) => !entry.missedBy.includes(operator.id));
    const operator = mode.pick(allowed, { random: deps.random, afterConflict });
    if (!operator) {
      // Only when nobody at all is left does a younger chat of the partition find nobody either.
      if (available.length === 0) plan.exhausted.add(partition);
      continue;
    }
    const input: AssignWaitingInput = { settings, operator, guard: mode.claimGuard(operator), entry, assignedBy: mode.name, nowMs };
    // One item once per transaction: a visitor's second chat goes in the next batch (and so do younger ones).
    if (plan.visitors.has(entry.visitorId) || plan.weight + assignmentWeight(input) > MAX_BATCH_WEIGHT) {
      plan.full = true;
      return;
    }
    plan.taken.add(operator.id);
    plan.visitors.add(entry.visitorId);
    plan.weight += assignmentWeight(input);
    plan.batch.push(input);
    if (plan.batch.length === BATCH_SIZE) {
      plan.full = true;
      return;
    }
  }
}

/**
 * Whether a later page may still hold a chat someone could take: an operator available and not
 * yet in the batch, in a partition where no chat has found nobody yet. (Without it, a pass over a
 * long queue nobody can serve would read the whole queue.)
 */
function anyoneLeft(view: OperatorsView, plan: Plan, nowMs: number) {
  return [...view.partitions].some(
    ([partition, ids]) =>
      !plan.exhausted.has(partition) &&
      [...ids].some((id) => {
        const operator = view.operators.get(id);
        return !plan.taken.has(id) && operator !== undefined && isAvailable(operator, view.settings, nowMs);
      }),
  );
}

/**
 * The next batch: the oldest waiting chats someone may take, page after page of them while
 * operators are left, reading each group's partition the first time one of its chats comes up.
 * Null when no chat waits.
 */
async function planBatch(deps: EngineDeps, siteId: string, view: OperatorsView, afterConflict: boolean): Promise<AssignWaitingInput[] | null> {
  const plan: Plan = { batch: [], taken: new Set(), visitors: new Set(), weight: 0, full: false, exhausted: new Set() };
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.readWaiting(siteId, WAITING_PAGE, after);
    if (page.length === 0 && after === undefined) return null;
    for (const partition of new Set(page.map(partitionOf))) {
      if (!view.partitions.has(partition)) await readPartition(deps, siteId, view, partition);
    }
    const nowMs = deps.clock();
    planPage(deps, page, view, plan, afterConflict, nowMs);
    if (plan.full || page.length < WAITING_PAGE || !anyoneLeft(view, plan, nowMs)) return plan.batch;
    after = page[page.length - 1]!.chatId;
  }
}

/**
 * Assigns the site's waiting chats, oldest first, while an operator may take them: by the site's
 * distribution (`assignedBy` its mode) and the same conditional claim as a new chat, with the
 * chat's move from waiting to assigned in the same transaction, up to BATCH_SIZE chats per
 * transaction. A group chat goes to an operator of its group (to anyone once it has fallen back).
 * Safe to run concurrently and to repeat: a chat or a slot another pass took makes this one
 * re-read and go on. `fresh`: the operators as the triggering stream records showed them.
 */
export async function dispatchWaiting(deps: EngineDeps, siteId: string, fresh: readonly Operator[] = []): Promise<DispatchResult> {
  let assigned = 0;
  let view: OperatorsView | null = null;
  let viewIsNew = false;
  let afterConflict = false;
  // Operators read from the table after a lost claim: newer than the images that triggered the
  // pass, which count only until the view is first read (read again, the index has caught up).
  let known: readonly Operator[] = fresh;
  const current = new Map<string, Operator>();
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (!view) {
      view = await readView(deps, siteId, [...known, ...current.values()]);
      if (!view) return { assigned, stoppedBecause: 'site-gone' };
      known = [];
      viewIsNew = true;
    }
    const batch = await planBatch(deps, siteId, view, afterConflict);
    if (batch === null) return { assigned, stoppedBecause: 'queue-empty' };
    if (batch.length === 0) {
      // Every operator of the partitions read was seen: one who becomes available since brings its own event.
      if (viewIsNew || view.truncated.size === 0) return { assigned, stoppedBecause: 'nobody-available' };
      // Past operators this pass filled, the index may show others: read it once more.
      view = null;
      continue;
    }
    viewIsNew = false;
    const outcome = await deps.store.assignWaiting(batch);
    afterConflict = outcome.kind !== 'assigned';
    if (outcome.kind === 'assigned') {
      assigned += batch.length;
      await scheduleAnswerDeadlines(
        deps,
        view.settings,
        batch.map(({ entry, operator, nowMs }) => ({ siteId, id: entry.chatId, operatorId: operator.id, assignedAt: new Date(nowMs).toISOString() })),
      );
      for (const { operator, nowMs } of batch) {
        const after = afterAssignment(operator, nowMs);
        view.operators.set(operator.id, after);
        if (current.has(operator.id)) current.set(operator.id, after);
      }
    } else if (outcome.kind === 'operator-lost') {
      // The copy was stale (the index lags, an image ages, a heartbeat went stale): the operator as the lost claim returned it.
      if (outcome.current) {
        await retireIfStale(deps, outcome.current, view.settings, deps.clock());
        view.operators.set(outcome.operatorId, outcome.current);
        current.set(outcome.operatorId, outcome.current);
      } else {
        view.operators.delete(outcome.operatorId);
      }
    } else if (outcome.kind === 'conflict') {
      // Another transaction held an item: re-read after a short random pause, so racers part.
      view = null;
      await new Promise((resolve) => setTimeout(resolve, deps.random() * 20));
    }
    // 'chat-gone': the next plan re-reads the waiting chats.
  }
  return { assigned, stoppedBecause: 'step-limit' };
}
