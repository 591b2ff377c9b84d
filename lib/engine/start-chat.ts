import { isAvailable } from '../domain/availability.js';
import {
  claimGuardOf,
  decideAssignment,
  distribute,
  lostClaimOf,
  namedOperator,
  returningOperatorId,
  unchangedSinceLost,
  type ChatRequest,
  type LostClaim,
} from '../domain/distribution/decide.js';
import { modeNamed, type DistributionModeDefinition } from '../domain/distribution/index.js';
import { groupNotFound, originNotAllowed, siteNotFound, tooManyOpenChats } from '../domain/errors.js';
import { hashToken, newChatToken, timeOrderedId } from '../domain/ids.js';
import { displayedAvatar, messageNumberId, type Chat, type Group, type Message, type Operator, type Settings } from '../domain/model.js';
import type { ChatStore, QueueOrder, QueuePage } from '../store/port.js';
import { logger } from '../http/logger.js';
import { retireIfStale } from './liveness.js';
import { keepSecondsOf, originAllowed } from '../domain/settings.js';
import { scheduleAnswerDeadlines } from './answer-deadline.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { queuePlace, type QueuePlace } from './queue.js';

/** Operators read from the head of the queue per chat start: enough to spread a burst over. */
export const QUEUE_PAGE_SIZE = 10;

/** A burst on one site makes some requests lose several races in a row; each loss is a re-read. */
const MAX_CLAIM_ATTEMPTS = 50;

/** A chat start: who asks, and what the visitor gives with it (a first message, a contact for a follow-up). */
export interface StartChatRequest extends ChatRequest {
  message?: string | undefined;
  contact?: { name?: string | undefined; email?: string | undefined } | undefined;
}

export interface StartChatResult {
  chat: Chat;
  chatToken: string;
  /** Who took the chat; absent when it waits or was recorded unassigned. */
  operator?: { id: string; name: string; avatarUrl: string | null };
  /** Where a waiting chat stands. */
  queue?: QueuePlace;
}

export interface StartChatOptions {
  /**
   * Writes of the caller's own to commit in the claim's transaction, given the result the start
   * returns should that claim commit (the same object): the request's completed idempotency
   * record. A start that ends waiting or unassigned does not use them. When one's condition
   * fails, nothing is written and the start throws `ClaimAlsoFailed`.
   */
  alsoOnClaim?: (result: StartChatResult) => readonly object[];
  /** What is left of the caller's time (see RetryOptions): retries after lost races stay within it. */
  timeLeftMs?: () => number;
  /**
   * The Origin of a browser's request, when the site's allowedOrigins must allow it (left out for
   * a request not sent by a page, or sent by the service's own pages): checked against the
   * settings the start reads anyway, before it writes anything, so that a refused start
   * (403 origin_not_allowed) writes nothing and costs no read of its own.
   */
  origin?: string | undefined;
  /** Given the settings each attempt read, before they are checked or used (the HTTP layer answers CORS from them). */
  onSettings?: ((settings: Settings) => void) | undefined;
}

/** A caller's write joined to the claim (`alsoOnClaim`) failed its condition: nothing was written. */
export class ClaimAlsoFailed extends Error {
  constructor() {
    super("A write joined to the chat's claim failed its condition");
    this.name = 'ClaimAlsoFailed';
  }
}

export interface AssignmentView {
  settings: Settings;
  /** The group the view is of (its partition), or null for the whole site. */
  group: Group | null;
  candidates: Operator[];
  /** Chats wait in the site's queue (seen at its head): with the queue on, a new chat joins them. */
  chatsWaiting: boolean;
}

/**
 * Reads the settings and the head of the queue in one request: waiting chats, then operators.
 * When chats wait and the queue is on, a chat the distribution would place joins them, so no
 * operator is read. More pages are read only when the site's mode reads every available
 * operator (random) or when the whole head is unavailable (stale operators their checks have not
 * taken out yet).
 */
/**
 * The order each site's mode reads operators in, as this process last found it: a chat start
 * reads the right index at once (one read), and the settings it reads correct a stale entry.
 */
const knownOrders = new Map<string, QueueOrder>();
const MAX_KNOWN_ORDERS = 10_000;

function rememberOrder(siteId: string, order: QueueOrder) {
  if (knownOrders.get(siteId) === order) return;
  if (knownOrders.size >= MAX_KNOWN_ORDERS) knownOrders.clear();
  knownOrders.set(siteId, order);
}

/** The order a mode reads operators in (the settings read first tell which). */
export const orderOf = (mode: DistributionModeDefinition): QueueOrder => (mode.reads === 'load-head' ? 'load' : 'last-assigned');

/**
 * The site's view, or the group's (`groupId`): its own partition, with a copy of the settings
 * at its head, its waiting chats and copies of its operators. A group the index does not show
 * is looked up in the table: unknown, it is a 404; just created (the index lags), its view is
 * empty for now.
 */
export async function readAssignmentView(
  store: ChatStore,
  siteId: string,
  nowMs: number,
  order: QueueOrder,
  groupId?: string,
  lostClaims: Map<string, LostClaim> = new Map(),
  random: () => number = Math.random,
): Promise<AssignmentView> {
  const first = await store.readQueue(siteId, { limit: QUEUE_PAGE_SIZE + 1, order, ...(groupId ? { group: groupId } : {}) });
  if (groupId && (!first.settings || !first.group)) return unindexedGroup(store, siteId, groupId);
  if (!first.settings) throw siteNotFound();
  const { settings } = first;
  const group = first.group ?? null;
  const mode = modeNamed(settings.distribution);
  const chatsWaiting = first.waiting.length > 0;
  const onlyFor = chatsWaiting && settings.queueEnabled ? operatorsNoWaitingChatIsFor(first) : null;
  if (chatsWaiting && settings.queueEnabled && !onlyFor) return { settings, group, candidates: [], chatsWaiting };
  // The site's mode reads in the other order (it changed since the caller learnt it): read again.
  if (orderOf(mode) !== order) return readAssignmentView(store, siteId, nowMs, orderOf(mode), groupId, lostClaims, random);
  const needsAll = mode.reads === 'all-available';
  if (needsAll && !groupId && !chatsWaiting && first.randomSlots > 0) {
    const drawn = await drawFromSlots(store, settings, first.randomSlots, nowMs, random);
    if (drawn) return { settings, group, candidates: [drawn], chatsWaiting };
  }
  const inPartition = groupId ? { group: groupId } : {};
  // With the queue off while chats still wait, the operators lie past them.
  const head = chatsWaiting ? await store.readQueue(siteId, { limit: QUEUE_PAGE_SIZE, operatorsOnly: true, order, ...inPartition }) : first;
  const candidates = [...head.operators];
  let cursor = head.cursor;
  // Past copies that look available but are not, as lost claims told (a stale heartbeat the checks have not yet acted on).
  while (cursor && (needsAll || !currentCandidates(candidates, lostClaims, settings, nowMs).some((operator) => isAvailable(operator, settings, nowMs)))) {
    const page = await store.readQueue(siteId, { cursor, limit: needsAll ? undefined : QUEUE_PAGE_SIZE, operatorsOnly: true, order, ...inPartition });
    candidates.push(...page.operators);
    cursor = page.cursor;
  }
  // Chats wait, but only for others than these: a new chat may go to them without passing anyone.
  if (onlyFor) return { settings, group, candidates: candidates.filter((operator) => onlyFor.has(operator.id)), chatsWaiting };
  return { settings, group, candidates, chatsWaiting };
}

/** Slots drawn before random mode reads every available operator instead. */
const RANDOM_DRAWS = 3;

/**
 * Random mode without reading every operator: draws a slot of the site's online operators
 * (the store's `readRandomSlot`) and reads its operator; one that is not available (away, full,
 * stale) is drawn past. Uniform among the available operators: each draw is uniform among the
 * online ones and kept only when available. Null after RANDOM_DRAWS misses: the caller reads them all.
 */
async function drawFromSlots(store: ChatStore, settings: Settings, slots: number, nowMs: number, random: () => number): Promise<Operator | null> {
  for (let draw = 0; draw < RANDOM_DRAWS; draw += 1) {
    const operatorId = await store.readRandomSlot(settings.siteId, Math.floor(random() * slots));
    if (!operatorId) continue;
    // Eventually consistent: the claim's condition holds it to what it is now.
    const operator = (await store.getOperator(settings.siteId, operatorId, { consistent: false }))?.operator;
    if (operator && isAvailable(operator, settings, nowMs)) return operator;
    // Gone offline without giving its slot back (a stale heartbeat): it gives it back now.
    if (operator?.status === 'offline') {
      await store.keepRandomSlot(settings.siteId, operatorId).catch((error: unknown) => logger.warn('random slot not given back', { operatorId, error }));
    }
  }
  return null;
}

/**
 * The operators every waiting chat of the page excludes (it was taken back from each of them
 * unanswered): none of those chats will ever go to them, so a new chat passes no one by taking
 * one of them. Null when some waiting chat may go to anyone, or when the page may not show every
 * waiting chat (they sort before the operators: a page with an operator, or the last, shows all).
 */
function operatorsNoWaitingChatIsFor(page: QueuePage): Set<string> | null {
  const allSeen = page.operators.length > 0 || !page.cursor;
  if (!allSeen || page.waiting.some((entry) => entry.missedBy.length === 0)) return null;
  const [first, ...rest] = page.waiting.map((entry) => new Set(entry.missedBy));
  const common = new Set([...first!].filter((id) => rest.every((missed) => missed.has(id))));
  return common.size > 0 ? common : null;
}

async function unindexedGroup(store: ChatStore, siteId: string, groupId: string): Promise<AssignmentView> {
  const site = await store.getSite(siteId);
  if (!site) throw siteNotFound();
  const group = await store.getGroup(siteId, groupId);
  if (!group) throw groupNotFound();
  return { settings: site.settings, group, candidates: [], chatsWaiting: false };
}

/**
 * The operator the request names. The index copy will do on a first attempt; after a lost race
 * it may be stale (indexes are eventually consistent), so the item itself is read.
 */
async function loadNamed(store: ChatStore, view: AssignmentView, request: ChatRequest, fresh: boolean): Promise<Operator | null> {
  const naming = namedOperator(view.settings, request);
  if (!naming) return null;
  const inHead = fresh ? undefined : view.candidates.find((operator) => operator.id === naming.operatorId);
  return inHead ?? (await store.getOperator(view.settings.siteId, naming.operatorId))?.operator ?? null;
}

/**
 * The operator a returning visitor goes back to, when the site routes returning visitors (one
 * read of the visitor's record; the operator itself from the queue head when it is there).
 */
async function loadReturning(store: ChatStore, view: AssignmentView, request: ChatRequest, nowMs: number): Promise<Operator | null> {
  const { settings } = view;
  if (settings.returningVisitorDays === null || request.operatorId !== undefined) return null;
  const operatorId = returningOperatorId(settings, await store.lastAssignment(settings.siteId, request.visitorId), nowMs);
  if (!operatorId) return null;
  return view.candidates.find((operator) => operator.id === operatorId) ?? (await store.getOperator(settings.siteId, operatorId))?.operator ?? null;
}

/**
 * The candidates as far as lost claims tell: a copy that still shows what a claim read when it
 * lost is stale (the index is eventually consistent). An operator the lost claim returned as
 * unavailable (full, offline, a stale heartbeat) stays in as it is, unavailable; one still
 * available (another request took its turn) or gone drops out until the index shows its change,
 * so that racers spread over the others rather than queue on it.
 */
function currentCandidates(candidates: readonly Operator[], lostClaims: Map<string, LostClaim>, settings: Settings, nowMs: number): Operator[] {
  return candidates.flatMap((copy) => {
    const lost = lostClaims.get(copy.id);
    if (!lost || !unchangedSinceLost(copy, lost)) return [copy];
    return lost.current && !isAvailable(lost.current, settings, nowMs) ? [lost.current] : [];
  });
}

/** Whether an operator the copies show available dropped out (moved on or gone, as far as a lost claim told): the index has yet to catch up. */
const droppedAvailable = (copies: readonly Operator[], current: readonly Operator[], settings: Settings, nowMs: number) =>
  copies.some((copy) => isAvailable(copy, settings, nowMs) && !current.some((operator) => operator.id === copy.id));

/**
 * A chat that finds nobody waits, unless the site's queue is off or full; undefined then. A
 * group chat waits for its group, or for anyone when it already may go to anyone (`escalated`);
 * with a fallback to come, its moment is sent to the deadline queue.
 */
async function waitInQueue(
  deps: EngineDeps,
  settings: Settings,
  chat: Chat,
  chatTokenHash: string,
  fallback: { escalated: boolean; group: Group | null },
  firstMessage: Message | undefined,
) {
  if (!settings.queueEnabled) return undefined;
  const { maxWaitingChats } = settings;
  if (maxWaitingChats !== null && (await deps.store.countWaiting(chat.siteId, maxWaitingChats)) >= maxWaitingChats) return undefined;
  const waiting: Chat = { ...chat, status: 'waiting' };
  if ((await deps.store.recordWaitingChat(waiting, chatTokenHash, settings.maxOpenChatsPerVisitor, fallback.escalated, firstMessage, keepSecondsOf(settings))) === 'visitor-limit') {
    throw tooManyOpenChats();
  }
  const seconds = fallback.group?.fallbackAfterSeconds ?? null;
  if (!fallback.escalated && seconds !== null) {
    const dueAtMs = Date.parse(chat.createdAt) + seconds * 1000;
    // Not sent (the queue out of reach): the repair job falls it back within a minute of its moment.
    await deps.deadlines
      .schedule({ kind: 'group-fallback', siteId: chat.siteId, chatId: chat.id, dueAtMs }, deps.clock())
      .catch((error: unknown) => logger.warn('fallback deadline not sent; the repair job will do it', { chatId: chat.id, error }));
  }
  return { chat: waiting, queue: await queuePlace(deps, chat.siteId, chat.id) };
}

async function recordUnassigned(deps: EngineDeps, settings: Settings, chat: Chat, chatToken: string, chatTokenHash: string, firstMessage: Message | undefined) {
  const recorded = await deps.store.recordUnassignedChat(chat, chatTokenHash, settings.maxOpenChatsPerVisitor, firstMessage, keepSecondsOf(settings));
  if (recorded === 'visitor-limit') throw tooManyOpenChats();
  return { chat, chatToken };
}

/**
 * Starts a chat: picks the operator by the contract's rules and claims it with a conditional
 * write; a lost race re-reads and tries again, spreading over the equally entitled operators.
 * When nobody is available, or chats already wait, the chat waits in the site's queue (the
 * dispatcher assigns it, oldest first); with the queue off or full it is recorded unassigned.
 */
export async function startChat(deps: EngineDeps, siteId: string, request: StartChatRequest, options: StartChatOptions = {}): Promise<StartChatResult> {
  const { store } = deps;
  const chatId = timeOrderedId(deps.clock());
  const chatToken = newChatToken(chatId);
  const chatTokenHash = hashToken(chatToken);
  const lostClaims = new Map<string, LostClaim>();
  let order = knownOrders.get(siteId) ?? 'last-assigned';
  return untilWritten(async (attempt) => {
    const nowMs = deps.clock();
    const view = await readAssignmentView(store, siteId, nowMs, order, request.group, lostClaims, deps.random);
    // Every way a chat goes (named, default or returning operator, the distribution, a group, waiting, unassigned) uses these settings.
    options.onSettings?.(view.settings);
    if (options.origin !== undefined && !originAllowed(view.settings.allowedOrigins, options.origin)) throw originNotAllowed();
    order = orderOf(modeNamed(view.settings.distribution));
    rememberOrder(siteId, order);
    // Lost claims on operators that turned out unavailable (a stale heartbeat the checks have not
    // yet acted on, a limit reached) are tried past in this same attempt, without a re-read: a
    // page of stale operators costs one attempt, not one each.
    let learnt = false;
    for (;;) {
      const candidates = currentCandidates(view.candidates, lostClaims, view.settings, nowMs);
      const current = { ...view, candidates };
      const named = await loadNamed(store, current, request, attempt > 0);
      const returning = await loadReturning(store, current, request, nowMs);
      const choice = {
        settings: view.settings,
        nowMs,
        random: deps.random,
        afterConflict: attempt > 0,
      };
      let decision = decideAssignment({ ...choice, request, named, returning, candidates });
      let onlyStaleLeft = droppedAvailable(view.candidates, candidates, view.settings, nowMs);
      // A group that falls back at once: nobody of the group, so anyone of the site.
      const fallsBackNow = view.group?.fallbackAfterSeconds === 0 && !view.chatsWaiting;
      let escalated = false;
      if (!decision && !onlyStaleLeft && fallsBackNow) {
        const siteView = await readAssignmentView(store, siteId, nowMs, order, undefined, lostClaims, deps.random);
        const siteCandidates = currentCandidates(siteView.candidates, lostClaims, view.settings, nowMs);
        decision = distribute({ ...choice, candidates: siteCandidates });
        onlyStaleLeft = droppedAvailable(siteView.candidates, siteCandidates, view.settings, nowMs);
        escalated = true;
      }
      const createdAt = new Date(nowMs).toISOString();
      const chat: Chat = {
        id: chatId,
        siteId,
        visitorId: request.visitorId,
        clientType: request.clientType,
        status: decision ? 'assigned' : 'unassigned',
        operatorId: decision?.operator.id ?? null,
        assignedBy: decision?.assignedBy ?? null,
        createdAt,
        closedAt: null,
        group: request.group ?? null,
        assignedAt: decision ? createdAt : null,
        acceptedAt: null,
        missedBy: [],
        contact: { name: request.contact?.name ?? null, email: request.contact?.email ?? null },
      };
      // Only stale copies left, or operators past this page may be available now that this one proved unavailable: read again.
      if (!decision && (onlyStaleLeft || learnt)) return undefined;
      const firstMessage: Message | undefined = request.message
        ? { id: messageNumberId(1), siteId, chatId, from: 'visitor', operatorId: null, text: request.message, createdAt }
        : undefined;
      if (!decision) {
        const waiting = await waitInQueue(deps, view.settings, chat, chatTokenHash, { escalated, group: view.group }, firstMessage);
        return waiting ? { ...waiting, chatToken } : recordUnassigned(deps, view.settings, chat, chatToken, chatTokenHash, firstMessage);
      }
      const guard = claimGuardOf(decision);
      const { operator } = decision;
      const assigned: StartChatResult = {
        chat,
        chatToken,
        operator: { id: operator.id, name: operator.name, avatarUrl: displayedAvatar(operator, view.settings) },
      };
      const alsoWrite = options.alsoOnClaim?.(assigned);
      const outcome = await store.claim({
        operator,
        guard,
        settings: view.settings,
        chat,
        chatTokenHash,
        nowMs,
        ...(firstMessage ? { firstMessage } : {}),
        ...(alsoWrite?.length ? { alsoWrite } : {}),
      });
      if (outcome === 'visitor-limit') throw tooManyOpenChats();
      if (outcome === 'also-failed') throw new ClaimAlsoFailed();
      if (outcome !== 'claimed') {
        // After a failed condition, a copy still showing what was read is stale; after a conflict, nothing is known.
        if (typeof outcome !== 'object') return undefined;
        lostClaims.set(decision.operator.id, lostClaimOf(decision.operator, guard, outcome.lost));
        if (!outcome.lost || isAvailable(outcome.lost, view.settings, nowMs)) return undefined;
        await retireIfStale(deps, outcome.lost, view.settings, nowMs);
        learnt = true;
        continue;
      }
      await scheduleAnswerDeadlines(deps, view.settings, [chat]);
      return assigned;
    }
  }, { maxAttempts: MAX_CLAIM_ATTEMPTS, random: deps.random, ...(options.timeLeftMs ? { timeLeftMs: options.timeLeftMs } : {}) });
}
