import type { Deadline } from '../deadlines/deadline.js';
import { isAvailable } from '../domain/availability.js';
import { chatClosed, chatNotOpen, chatNotYours, forbidden, groupNotFound, operatorNotFound, operatorUnavailable } from '../domain/errors.js';
import type { Principal } from '../domain/auth.js';
import type { Chat, Operator, Settings } from '../domain/model.js';
import type { TransferInput } from '../domain/schemas.js';
import { logger } from '../http/logger.js';
import { MAX_TAKE_BACK_CHATS, type ChatRecord, type TakeBackReason, type TakenChat, type WaitingEntry } from '../store/port.js';
import { scheduleAnswerDeadlines } from './answer-deadline.js';
import { requireChat } from './chats.js';
import { untilWritten, type EngineDeps } from './deps.js';
import { writeStatus } from './liveness.js';
import { dispatchWaiting } from './dispatch.js';
import { fallbackDueAtMs } from './fallback.js';
import { requireSite } from './sites.js';

/** Open chats read per page when an operator leaves (a page's unaccepted chats are taken back in one transaction). */
export const LEFT_CHATS_PAGE = MAX_TAKE_BACK_CHATS;

const iso = (ms: number) => new Date(ms).toISOString();

/** The chat is at the assignment the caller knows: the same operator since the same moment. */
const sameAssignment = (chat: Chat, known: Pick<Chat, 'operatorId' | 'assignedAt'>) =>
  chat.status === 'assigned' && chat.operatorId === known.operatorId && chat.assignedAt === known.assignedAt;

/** The chat's operator as read, when it is the incarnation that holds the chat (else its capacity is not to be given back). */
async function holder(deps: EngineDeps, record: ChatRecord): Promise<Operator | null> {
  if (!record.chat.operatorId) return null;
  const operator = (await deps.store.getOperator(record.chat.siteId, record.chat.operatorId))?.operator;
  return operator && operator.incarnation === (record.operatorIncarnation ?? '') && operator.activeChats >= 1 ? operator : null;
}

/** Where a chat for `groupId` waits: for its group, or for anyone once the group's fallback has come (or the group is gone). */
async function placement(deps: EngineDeps, chat: Pick<Chat, 'siteId' | 'createdAt'>, groupId: string | null, nowMs: number) {
  if (groupId === null) return { escalated: false, fallbackAtMs: null };
  const group = await deps.store.getGroup(chat.siteId, groupId);
  const dueAtMs = fallbackDueAtMs(chat, group);
  return { escalated: dueAtMs !== null && dueAtMs <= nowMs, fallbackAtMs: dueAtMs };
}

/** Whether the chat may still be taken back as `known` was: the same assignment, and (but for a transfer) not accepted. */
const stillTakeable = (chat: Chat, known: Chat, reason: TakeBackReason) => sameAssignment(chat, known) && (reason === 'transferred' || !chat.acceptedAt);

/**
 * Takes chats of one operator back, MAX_TAKE_BACK_CHATS per transaction, each if it is still
 * at the assignment read (and, but for a transfer, not accepted): it waits again, for `groupId`
 * (default: its own group), and the stream's record of its queue entry routes it at once; past
 * `maxWaitSeconds` from its creation it is recorded unassigned instead. A chat that changed
 * meanwhile is read again and left out if it moved on. Returns the ids this call took back.
 */
async function takeBackChats(
  deps: EngineDeps,
  records: readonly ChatRecord[],
  settings: Settings,
  reason: TakeBackReason,
  options: { groupId?: string; sendDeadlines?: boolean } = {},
): Promise<Set<string>> {
  const { groupId, sendDeadlines = true } = options;
  const taken = new Set<string>();
  const groups = new Map<string, Promise<{ escalated: boolean; fallbackAtMs: number | null }>>();
  for (let start = 0; start < records.length; start += MAX_TAKE_BACK_CHATS) {
    let pending = records.slice(start, start + MAX_TAKE_BACK_CHATS);
    // A chat that changed is progress (it leaves the batch), not a lost race: only conflicts and
    // a changed operator count against the attempts.
    let progress = true;
    for (let rounds = 0; progress && rounds <= MAX_TAKE_BACK_CHATS; rounds += 1) progress = await untilWritten(async () => {
      if (pending.length === 0) return false;
      const nowMs = deps.clock();
      const chats: TakenChat[] = await Promise.all(
        pending.map(async (record) => {
          const { chat } = record;
          const group = groupId ?? chat.group;
          const key = `${group}/${chat.createdAt}`;
          if (!groups.has(key)) groups.set(key, placement(deps, chat, group, nowMs));
          const expired = reason !== 'transferred' && nowMs >= Date.parse(chat.createdAt) + settings.maxWaitSeconds * 1000;
          return { record, group, escalated: (await groups.get(key)!).escalated, becomes: expired ? 'unassigned' : 'waiting' };
        }),
      );
      const outcome = await deps.store.takeBack({ chats, operator: await holder(deps, pending[0]!), reason, nowMs });
      if (outcome.kind === 'chat-changed') {
        const fresh = await deps.store.getChat(settings.siteId, outcome.chatId);
        pending = pending.flatMap((record) => {
          if (record.chat.id !== outcome.chatId) return [record];
          return fresh && stillTakeable(fresh.chat, record.chat, reason) ? [fresh] : [];
        });
        return true;
      }
      if (outcome.kind !== 'taken') return undefined;
      for (const { record, group, becomes } of chats) {
        taken.add(record.chat.id);
        const { fallbackAtMs, escalated } = await groups.get(`${group}/${record.chat.createdAt}`)!;
        if (!sendDeadlines || becomes === 'unassigned' || escalated || fallbackAtMs === null || group === null) continue;
        await deps.deadlines
          .schedule({ kind: 'group-fallback', siteId: settings.siteId, chatId: record.chat.id, dueAtMs: fallbackAtMs }, nowMs)
          .catch((error: unknown) => logger.warn('fallback deadline not sent; the repair job will do it', { chatId: record.chat.id, error }));
      }
      return false;
    }, { random: deps.random });
  }
  return taken;
}

interface Waiter {
  record: ChatRecord;
  resolve: (taken: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Unanswered chats of one operator come due together (a burst of chats all assigned to
 * someone who is away): taken back one by one, every take-back would write the same operator
 * item and lose to the others. So per operator, one take-back runs at a time, and the deadlines
 * that come meanwhile are taken back together by the next (one transaction, whatever their number).
 */
class TakeBackLanes {
  private readonly lanes = new Map<string, Waiter[]>();

  submit(key: string, record: ChatRecord, run: (records: ChatRecord[]) => Promise<Set<string>>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const lane = this.lanes.get(key);
      if (lane) {
        lane.push({ record, resolve, reject });
        return;
      }
      this.lanes.set(key, [{ record, resolve, reject }]);
      void this.drain(key, run);
    });
  }

  private async drain(key: string, run: (records: ChatRecord[]) => Promise<Set<string>>) {
    const lane = this.lanes.get(key)!;
    while (lane.length > 0) {
      const batch = lane.splice(0);
      try {
        const taken = await run(batch.map((waiter) => waiter.record));
        for (const waiter of batch) waiter.resolve(taken.has(waiter.record.chat.id));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.lanes.delete(key);
  }
}

const unanswered = new TakeBackLanes();

/** Sets the operator away when its run of missed chats reached the site's limit (re-read: an accept may have reset it). */
async function awayAfterMisses(deps: EngineDeps, siteId: string, operatorId: string, limit: number): Promise<boolean> {
  return untilWritten(async () => {
    const record = await deps.store.getOperator(siteId, operatorId);
    if (!record || record.operator.status !== 'online' || record.operator.missedInARow < limit) return false;
    return (await writeStatus(deps, record, 'away', record.operator.turn)) || undefined;
  });
}

/**
 * An answer deadline came: if the chat is still at that assignment and not accepted, it is
 * taken back (a miss), and its operator set away after `awayAfterMisses` misses in a row.
 * Delivered twice, late, after an accept or after the chat moved on, it changes nothing. The
 * periodic repair calls it too (`sendDeadlines` false: what is not due yet, or a group's fallback
 * to come, is left to the deadline messages and to the repair's own fallback pass).
 */
export async function takeBackUnanswered(deps: EngineDeps, deadline: Extract<Deadline, { kind: 'answer-timeout' }>, sendDeadlines = true) {
  const { siteId, chatId, operatorId, assignedAt } = deadline;
  const record = await deps.store.getChat(siteId, chatId);
  if (!record || !sameAssignment(record.chat, { operatorId, assignedAt }) || record.chat.acceptedAt) return { takenBack: false };
  const site = await deps.store.getSite(siteId);
  const timeout = site?.settings.answerTimeoutSeconds ?? null;
  if (!site || timeout === null) return { takenBack: false };
  // The timeout is read again: raised since the chat was assigned, the deadline is sent again for later.
  const dueAtMs = Date.parse(assignedAt) + timeout * 1000;
  const nowMs = deps.clock();
  if (dueAtMs > nowMs) {
    if (sendDeadlines) await deps.deadlines.schedule({ ...deadline, dueAtMs }, nowMs);
    return { takenBack: false };
  }
  const lane = `${siteId}/${operatorId}/${record.operatorIncarnation ?? ''}`;
  const takenBack = await unanswered.submit(lane, record, (records) => takeBackChats(deps, records, site.settings, 'missed', { sendDeadlines }));
  const { awayAfterMisses: limit } = site.settings;
  const setAway = takenBack && limit !== null && (await awayAfterMisses(deps, siteId, operatorId, limit));
  return { takenBack, setAway };
}

/**
 * An operator left (went offline, was set offline as stale, or was deleted): its chats
 * not yet accepted are taken back and routed again, a page at a time. Nothing when it is back
 * (online or away again, the same incarnation). Returns how many were taken back.
 */
export async function rerouteChatsOf(deps: EngineDeps, left: Pick<Operator, 'siteId' | 'id' | 'incarnation'>): Promise<number> {
  const current = (await deps.store.getOperator(left.siteId, left.id))?.operator;
  if (current && current.incarnation === left.incarnation && current.status !== 'offline') return 0;
  const site = await deps.store.getSite(left.siteId);
  if (!site) return 0;
  let rerouted = 0;
  let cursor;
  do {
    const page = await deps.store.openChatsPage(left, LEFT_CHATS_PAGE, cursor);
    const unaccepted = page.chats.filter((record) => record.chat.status === 'assigned' && !record.chat.acceptedAt);
    rerouted += (await takeBackChats(deps, unaccepted, site.settings, 'left')).size;
    cursor = page.cursor;
  } while (cursor);
  return rerouted;
}

/**
 * The chat's operator accepts it: it stays theirs (no answer timeout takes it back any more) and
 * their run of missed chats ends. Accepting twice returns the chat; a chat taken back, moved to
 * someone else or never theirs is 409 chat_not_yours, a closed one 409 chat_closed. Of an accept
 * and a take-back racing on one chat exactly one lands (both are conditional on the assignment).
 */
export async function acceptChatFor(deps: EngineDeps, siteId: string, chatId: string, principal: Principal | null): Promise<Chat> {
  if (principal?.role !== 'operator') throw forbidden("Only the chat's operator accepts it.");
  return untilWritten(async () => {
    const record = await requireChat(deps, siteId, chatId);
    const { chat } = record;
    if (chat.operatorId !== principal.operatorId) throw chatNotYours();
    if (chat.status === 'closed') throw chatClosed();
    if (chat.status !== 'assigned') throw chatNotYours();
    if (chat.acceptedAt) return chat;
    const acceptedAt = iso(deps.clock());
    // Not written: taken back, transferred, closed or accepted meanwhile; the re-read tells which.
    if (!(await deps.store.acceptChat(record, acceptedAt))) return undefined;
    await deps.store.resetMissedInARow(siteId, principal.operatorId);
    return { ...chat, acceptedAt };
  }, { random: deps.random });
}

/** A waiting chat's queue entry, as the store knows it (for an assignment by transfer). */
const entryOf = (chat: Chat): WaitingEntry => ({
  siteId: chat.siteId,
  chatId: chat.id,
  visitorId: chat.visitorId,
  group: chat.group,
  createdAt: chat.createdAt,
  escalated: false,
  missedBy: chat.missedBy,
});

/** The receiver of a transfer, read from the table: 404 when there is none, 409 when it cannot take a chat now. */
async function availableOperator(deps: EngineDeps, settings: Settings, operatorId: string): Promise<Operator> {
  const record = await deps.store.getOperator(settings.siteId, operatorId);
  if (!record) throw operatorNotFound();
  if (!isAvailable(record.operator, settings, deps.clock())) throw operatorUnavailable();
  return record.operator;
}

async function transferToOperator(deps: EngineDeps, settings: Settings, record: ChatRecord, operatorId: string): Promise<Chat | undefined> {
  const { chat } = record;
  if (chat.operatorId === operatorId) return chat;
  const to = await availableOperator(deps, settings, operatorId);
  const nowMs = deps.clock();
  const moved: Chat = { ...chat, status: 'assigned', operatorId, assignedBy: 'transfer', assignedAt: iso(nowMs), acceptedAt: null };
  if (chat.status === 'waiting') {
    const outcome = await deps.store.assignWaiting([{ settings, operator: to, guard: {}, entry: entryOf(chat), assignedBy: 'transfer', nowMs }]);
    if (outcome.kind !== 'assigned') return undefined;
  } else {
    const outcome = await deps.store.transferToOperator({ record, from: await holder(deps, record), to, settings, nowMs });
    if (outcome !== 'transferred') return undefined;
  }
  await scheduleAnswerDeadlines(deps, settings, [moved]);
  return moved;
}

async function transferToGroup(deps: EngineDeps, settings: Settings, record: ChatRecord, groupId: string): Promise<Chat | undefined> {
  const { chat } = record;
  if (!(await deps.store.getGroup(chat.siteId, groupId))) throw groupNotFound();
  if (chat.status === 'waiting') {
    if (chat.group === groupId) return chat;
    const { escalated } = await placement(deps, chat, groupId, deps.clock());
    if (!(await deps.store.regroupWaiting(record, groupId, escalated))) return undefined;
  } else if (!(await takeBackChats(deps, [record], settings, 'transferred', { groupId })).has(chat.id)) {
    return undefined;
  }
  // Routed within the group now (oldest first: it waits when older chats of the group do).
  await dispatchWaiting(deps, chat.siteId);
  return (await requireChat(deps, chat.siteId, chat.id)).chat;
}

/**
 * Moves an open chat: to an operator, who must be available (capacity respected), with
 * `assignedBy: "transfer"`; or to a group, where it is routed by the site's distribution or
 * waits. The chat's own operator or the site's admin may; transferring to where the chat
 * already is changes nothing.
 */
export async function transferChatFor(deps: EngineDeps, siteId: string, chatId: string, principal: Principal | null, input: TransferInput): Promise<Chat> {
  const { settings } = await requireSite(deps, siteId);
  return untilWritten(async () => {
    const record = await requireChat(deps, siteId, chatId);
    const { chat } = record;
    if (principal?.role === 'operator' && chat.operatorId !== principal.operatorId) throw chatNotYours();
    if (chat.status === 'closed') throw chatClosed();
    if (chat.status === 'unassigned') throw chatNotOpen();
    return 'operatorId' in input ? transferToOperator(deps, settings, record, input.operatorId) : transferToGroup(deps, settings, record, input.group);
  }, { random: deps.random });
}
