import type { CounterRows } from '../domain/stat-counters.js';
import type { Principal } from '../domain/auth.js';
import type { AssignedBy, ClaimGuard } from '../domain/distribution/index.js';
import type { Watch } from '../live/protocol.js';
import type { Chat, Group, Message, Operator, OperatorStatus, Settings, WebhookDelivery } from '../domain/model.js';

/**
 * The store speaks these domain shapes only: how they are kept (keys, attribute names,
 * expressions) is the adapter's, each stored entity defined once in lib/store/entities/.
 */

/** A live-push connection of a site, as the notifier reads them all at once. */
export interface SiteSubscription {
  connectionId: string;
  /** chat#<chatId> or operator#<operatorId> */
  watch: string;
}

/** Settings with what only the server sees. */
export interface SiteRecord {
  settings: Settings;
  adminTokenHash: string;
  /** What the site's webhook signing secret is derived from (lib/webhooks/secret.ts); null until a webhook URL is first set. */
  webhookSeed: string | null;
  /**
   * The first UTC day (YYYY-MM-DD) from which the statistics' counters hold every chat: the
   * epoch's for a site created with the counters; null for a site from before them, until its
   * first report marks it (engine/stats.ts).
   */
  countedFrom: string | null;
}

/** An operator with what only the server sees. */
export interface OperatorRecord {
  operator: Operator;
  tokenHash: string;
  /** Optimistic-concurrency version, raised by every write but heartbeats. */
  version: number;
}

export interface ChatRecord {
  chat: Chat;
  tokenHash: string;
  /** The incarnation of the operator the chat was given to. */
  operatorIncarnation: string | null;
  /** The chat counts among its visitor's open chats (closing it gives the count back). */
  countsForVisitor: boolean;
  /** Its messages so far: the next one is number messageCount + 1 (its id), written on that condition. */
  messageCount: number;
  /** How long it is kept after it ended, and each message after it was written (its site's retention when it started). */
  keepSeconds: number;
}

/** Where the next page of a queue read starts: opaque, only to be handed back to `readQueue`. */
export type QueueCursor = { readonly __queueCursor: never };

/** A waiting chat's place in its site's queue. */
export interface WaitingEntry {
  siteId: string;
  chatId: string;
  visitorId: string;
  group: string | null;
  createdAt: string;
  /** A group chat that may now go to any operator of the site (its fallback came, or its group was deleted). */
  escalated: boolean;
  /** Operators it was taken back from unanswered: none of them gets it again. */
  missedBy: string[];
}

/** The order operators are read in: by last assignment (queue index) or by load (load index). */
export type QueueOrder = 'last-assigned' | 'load';

export interface QueueReadOptions {
  limit?: number;
  cursor?: QueueCursor;
  /** Past the settings and the waiting chats, from the first operator. */
  operatorsOnly?: boolean;
  order?: QueueOrder;
  /** The group's partition instead of the site's: its waiting chats and the copies of its operators. */
  group?: string;
}

/** One page of a site's queue: the settings come with the first page only. */
export interface QueuePage {
  /** From the site's settings item, or the copy at the head of a group's partition. */
  settings: Settings | null;
  /** In a group's partition (first page): the group, or null when the index shows none. */
  group?: Group | null;
  /** Waiting chats at the head of the queue (first page only), oldest first: their ids and who missed them. */
  waiting: Array<Pick<WaitingEntry, 'chatId' | 'missedBy'>>;
  operators: Operator[];
  /** The site's random-mode slots (first page of the site's partition; 0 elsewhere): see `readRandomSlot`. */
  randomSlots: number;
  /** Where the next page starts; undefined on the last page. */
  cursor: QueueCursor | undefined;
}

export interface ClaimInput {
  settings: Settings;
  operator: Operator;
  /** What the operator must still show as read, besides being available (the mode's `claimGuard`). */
  guard: ClaimGuard;
  chat: Chat;
  chatTokenHash: string;
  nowMs: number;
  /** The visitor's first message, written with the chat. */
  firstMessage?: Message;
  /**
   * Writes of the caller's own, committed in the claim's transaction or not at all (the
   * request's idempotency record, completed): items the adapter's transaction takes as they are.
   */
  alsoWrite?: readonly object[];
}

/**
 * `{ lost }`: the operator changed since it was read (its condition failed): `lost` is the
 * operator as it was then (null: gone), so that the caller need not read it; 'conflict': another
 * transaction was on the item at that moment, nothing is known to have changed; 'visitor-limit':
 * the visitor already has the site's maximum of open chats (nothing was written); 'also-failed':
 * the condition of one of the caller's `alsoWrite` failed (nothing was written).
 */
export type ClaimOutcome = 'claimed' | { lost: Operator | null } | 'conflict' | 'visitor-limit' | 'also-failed';

/**
 * What an assignment of a waiting chat weighs in the store's transaction: four items, its
 * counters' item, and one per group copy of its operator; a batch may weigh at most MAX_BATCH_WEIGHT (DynamoDB's limit
 * of items in a transaction).
 */
export const assignmentWeight = (input: Pick<AssignWaitingInput, 'operator'>) => 5 + input.operator.groups.length;
export const MAX_BATCH_WEIGHT = 100;

export interface AssignWaitingInput {
  settings: Settings;
  operator: Operator;
  guard: ClaimGuard;
  entry: WaitingEntry;
  assignedBy: AssignedBy;
  nowMs: number;
}

/**
 * 'operator-lost': that operator changed since it was read (`current`: as it was then, null when
 * gone); 'chat-gone': a chat no longer waits
 * (assigned by another dispatcher, closed or expired); 'conflict': another transaction was on an
 * item at that moment, nothing is known to have changed. Anything but 'assigned' wrote nothing.
 */
export type AssignWaitingOutcome =
  | { kind: 'assigned' }
  | { kind: 'operator-lost'; operatorId: string; current: Operator | null }
  | { kind: 'chat-gone' }
  | { kind: 'conflict' };

/**
 * Why a chat leaves its operator unaccepted: it was not answered in time (a miss: the operator
 * joins its `missedBy`, its counters grow), its operator left (went offline or was deleted), or
 * it was transferred to a group.
 */
export type TakeBackReason = 'missed' | 'left' | 'transferred';

/** One chat of a take-back: as read (it lands only at that assignment and, but for a transfer, not accepted), and what it becomes. */
export interface TakenChat {
  record: ChatRecord;
  /** Waiting again, or unassigned when its wait is over (`maxWaitSeconds` from its creation). */
  becomes: 'waiting' | 'unassigned';
  /** The group it is for from now on, and whether it may go to any operator of the site. */
  group: string | null;
  escalated: boolean;
}

/** Chats of one operator taken back together (one transaction: the operator's item is written once). */
export interface TakeBackInput {
  chats: readonly TakenChat[];
  /** Their operator as read, when it still holds them (null: deleted or re-created): it gets its capacity back. */
  operator: Operator | null;
  reason: TakeBackReason;
  nowMs: number;
}

/**
 * The most chats one take-back writes: each is two items, its operator one and a copy per group
 * (at most 21), and the counters at most two per chat (its day's row of the operator, and of
 * chats without one): 18 · 4 + 21 ≤ 100, DynamoDB's limit of items in a transaction.
 */
export const MAX_TAKE_BACK_CHATS = 18;

/**
 * 'chat-changed': that chat is not at the assignment read any more (or was accepted);
 * 'operator-changed': the operator changed since read; 'conflict': another transaction held an
 * item. Anything but 'taken' wrote nothing.
 */
export type TakeBackOutcome = { kind: 'taken' } | { kind: 'chat-changed'; chatId: string } | { kind: 'operator-changed' } | { kind: 'conflict' };

export interface TransferToOperatorInput {
  record: ChatRecord;
  /** The chat's operator as read, when it still holds the chat. */
  from: Operator | null;
  to: Operator;
  settings: Settings;
  nowMs: number;
}

/** 'operator-lost': the receiver is not available (or changed since read); the others as for a take-back. */
export type TransferOutcome = 'transferred' | 'chat-changed' | 'operator-lost' | 'operator-changed' | 'conflict';

/** An assigned chat still unaccepted after its answer deadline: what its deadline message said. */
export interface OverdueAnswer {
  siteId: string;
  chatId: string;
  operatorId: string;
  assignedAt: string;
  dueAtMs: number;
}

/** 'chat-changed': the chat is not as read any more (closed, taken back, moved); nothing was written. */
export type MessageWriteOutcome = 'written' | 'chat-changed' | 'conflict';

/** A page of the follow-up requests; `cursor` (opaque text) is where the next starts, absent on the last. */
export interface FollowUpsPage {
  chats: Chat[];
  cursor?: string;
}

/** A page of an operator's open chats; `cursor` is opaque. */
export interface OpenChatsPage {
  chats: ChatRecord[];
  cursor: { readonly __openChatsCursor: never } | undefined;
}

export interface OperatorChanges {
  name: string;
  avatarUrl: string | null;
  maxChats: number | null;
  /** Sorted. */
  groups: string[];
}

/** A create or update of an operator: not written when it changed meanwhile (or exists, for a create), or a group it names does not exist. */
export type OperatorWriteOutcome = { written: true } | { written: false; missingGroup?: string };

export interface StatusChange {
  status: OperatorStatus;
  turn: number;
  nowMs: number;
  /** Online or away: when the first liveness check of the operator is due (the engine sends it). */
  checkAtMs: number;
}

export interface SweepResult {
  itemsRead: number;
  markedOffline: number;
  /** Live operators whose check message was lost: their next check was sent. */
  rearmed: number;
}

/** A liveness check of an operator, due at `dueAtMs` (see store/dynamo/liveness.ts). */
export interface LivenessCheck {
  siteId: string;
  operatorId: string;
  dueAtMs: number;
}

/** What a check did: set the operator offline, moved the next check to `dueAtMs` (to be sent), or nothing (not the current check). */
export type LivenessOutcome = { kind: 'offline' } | { kind: 'rearmed'; dueAtMs: number } | { kind: 'none' };

/**
 * Everything the engine needs from storage. Writes that can race are conditional: those that
 * return 'lost' or false made no change, and the caller decides whether to re-read and retry.
 */
export interface ChatStore {
  /** Creates the site with its admin token, and records the hash of the platform token that created it. */
  createSite(site: SiteRecord, createdAt: string, platformTokenHash?: string): Promise<void>;
  getSite(siteId: string): Promise<SiteRecord | null>;
  /** Gives a site from before the statistics' counters its `countedFrom` day, unless it has one; what it then has (null: no such site). */
  markCountedFrom(siteId: string, day: string): Promise<string | null>;
  /**
   * Writes the fields that changed since `previous`, on the condition that every operator in
   * `requiredOperators` exists at that moment (else returns the first missing one). When the
   * heartbeat timeout changed, the site's operators follow.
   */
  saveSettings(settings: Settings, previous: Settings, requiredOperators: string[], webhookSeed?: string): Promise<{ missingOperator?: string }>;
  /** Gives a page of the site's operators (after `afterOperatorId`) the site's heartbeat timeout; where the next page starts. */
  retimeOperators(siteId: string, timeoutMs: number, limit: number, afterOperatorId?: string): Promise<{ updated: number; next?: string }>;
  /** False when there is no such site. */
  setWebhookSeed(siteId: string, seed: string): Promise<boolean>;
  recordWebhookDelivery(siteId: string, delivery: WebhookDelivery): Promise<void>;
  /** Newest event first. */
  listWebhookDeliveries(siteId: string, limit: number): Promise<WebhookDelivery[]>;

  /** A live-push connection opened (not yet authenticated). */
  openConnection(connectionId: string, nowMs: number): Promise<void>;
  /** The connection watches `watch` from now on; false when it is gone or already watches something. */
  subscribe(connectionId: string, watch: Watch, nowMs: number): Promise<boolean>;
  /** Undefined: no such connection; null: not authenticated. */
  connectionWatch(connectionId: string): Promise<Watch | null | undefined>;
  closeConnection(connectionId: string): Promise<void>;
  siteSubscriptions(siteId: string): Promise<SiteSubscription[]>;

  /** `consistent: false` when what is read is checked again by a conditional write (half the read units). */
  getOperator(siteId: string, operatorId: string, options?: { consistent?: boolean }): Promise<OperatorRecord | null>;
  /** `consistent: false` for a display only (half the read units; a change shows within a second or so). */
  listOperators(siteId: string, options?: { consistent?: boolean }): Promise<Operator[]>;
  /** Not written when the operator already exists, or one of its groups does not. */
  createOperator(record: OperatorRecord, timeoutSeconds: number, createdAt: string): Promise<OperatorWriteOutcome>;
  /** Not written when the operator changed since it was read, or a group it joins does not exist. */
  updateOperator(record: OperatorRecord, changes: OperatorChanges, nowMs: number): Promise<OperatorWriteOutcome>;
  /** False when the operator changed since it was read. */
  setStatus(record: OperatorRecord, change: StatusChange): Promise<boolean>;
  /** False when there is no such operator. */
  recordHeartbeat(siteId: string, operatorId: string, nowMs: number): Promise<boolean>;
  /** Deletes the operator, its token and its group copies, and clears it from the site's default operators; false when it changed since read (or is gone). */
  deleteOperator(site: SiteRecord, record: OperatorRecord): Promise<boolean>;
  /** The owner of an admin or operator token, by the token's hash. */
  findTokenOwner(tokenHash: string): Promise<Principal | null>;
  /** Gives the operator a new token, the old one ceasing at once; false when its token changed since it was read. */
  rotateOperatorToken(record: OperatorRecord, newTokenHash: string): Promise<boolean>;
  /** The same for the site's admin token. */
  rotateAdminToken(site: SiteRecord, newTokenHash: string): Promise<boolean>;

  /**
   * A page of the site's queue: the settings first, then the operators that can take chats, in
   * queue order (`limit` counts items, the settings among them on the first page). A read of an index, so it may lag a write.
   */
  readQueue(siteId: string, options: QueueReadOptions): Promise<QueuePage>;
  /** Random mode: the operator in slot `slot` of the site's online operators (eventually consistent; see store/dynamo/random-slots.ts). */
  readRandomSlot(siteId: string, slot: number): Promise<string | null>;
  /**
   * Gives the operator a random-mode slot when it is online without one, takes it back when it is
   * not online (or `leaving`: to be deleted); 'lost' when another change of the site's slots came
   * first (read again). Idempotent.
   */
  keepRandomSlot(siteId: string, operatorId: string, leaving?: boolean): Promise<'unchanged' | 'joined' | 'left' | 'lost'>;
  /**
   * The claim: a conditional write of the operator, the new chat and the visitor's count of open
   * chats (held to the site's `maxOpenChatsPerVisitor`) together.
   */
  claim(input: ClaimInput): Promise<ClaimOutcome>;
  /** Records a chat nobody took, unless the visitor already has `visitorLimit` open chats. */
  recordUnassignedChat(chat: Chat, chatTokenHash: string, visitorLimit: number | null, firstMessage?: Message, keepSeconds?: number): Promise<'recorded' | 'visitor-limit'>;

  /**
   * Records a chat that waits for an operator (a group chat for its group, unless `escalated`:
   * for anyone), unless the visitor already has `visitorLimit` open chats.
   */
  recordWaitingChat(chat: Chat, chatTokenHash: string, visitorLimit: number | null, escalated?: boolean, firstMessage?: Message, keepSeconds?: number): Promise<'recorded' | 'visitor-limit'>;
  /** The site's oldest waiting chats (after `afterChatId`), up to `limit`, read consistently from the table. */
  readWaiting(siteId: string, limit: number, afterChatId?: string): Promise<WaitingEntry[]>;
  /** Every waiting chat of the site, oldest first. */
  listWaiting(siteId: string): Promise<WaitingEntry[]>;
  /** How many chats wait, counting at most `upTo` (reads grow with the count, not with the queue). */
  countWaiting(siteId: string, upTo: number): Promise<number>;
  /** The chat's place among the site's waiting chats (1: next); reads grow with the position. */
  waitingPosition(siteId: string, chatId: string): Promise<number>;
  /**
   * Assigns waiting chats, each to a different operator: for each, the operator's claim (as for
   * a new chat), the chat from waiting to assigned and its queue entry removed; all of them in
   * one transaction, so either every chat of the batch is assigned or none.
   */
  assignWaiting(batch: readonly AssignWaitingInput[]): Promise<AssignWaitingOutcome>;
  /** Turns a chat that waited too long into an unassigned one; false when it no longer waits. */
  expireWaiting(record: ChatRecord, nowMs: number): Promise<boolean>;
  /** Every waiting chat of every site (for the periodic repair), oldest first per shard. */
  listAllWaiting(): Promise<WaitingEntry[]>;
  /** The operator of the visitor's last assigned chat on the site, and when; null when none. */
  lastAssignment(siteId: string, visitorId: string): Promise<{ operatorId: string; assignedAt: string } | null>;
  /** Counts a close of an assigned chat in its hour (best effort). */
  countClose(siteId: string, nowMs: number): Promise<void>;
  /** Closes counted in the current and the previous hour. */
  recentCloses(siteId: string, nowMs: number): Promise<number>;

  getGroup(siteId: string, groupId: string): Promise<Group | null>;
  listGroups(siteId: string): Promise<Group[]>;
  /** Creates the group (with a copy of the site's settings) or updates its name and fallback. */
  putGroup(group: Group, settings: Settings, nowIso: string): Promise<'created' | 'updated'>;
  /** Deletes the group's item only; false when there was none. */
  deleteGroupItem(siteId: string, groupId: string): Promise<boolean>;
  /** Every operator of the group, available or not. */
  listMemberIds(siteId: string, groupId: string): Promise<string[]>;
  /** Lets a waiting group chat go to any operator of the site; false when it no longer waits or already may. */
  escalateWaiting(entry: WaitingEntry): Promise<boolean>;

  getChat(siteId: string, chatId: string): Promise<ChatRecord | null>;
  /**
   * Closes an open chat and frees its operator's capacity: the closed chat, 'not-open' when it
   * was already closed, or 'lost' when a concurrent transaction got in the way (re-read, retry).
   */
  closeChat(record: ChatRecord, closedAt: string): Promise<Chat | 'not-open' | 'lost'>;
  /** Takes unaccepted chats from their operator (see TakeBackInput). */
  takeBack(input: TakeBackInput): Promise<TakeBackOutcome>;
  /** Pins the chat to its operator; false when it is no longer at the assignment read, or was accepted. */
  acceptChat(record: ChatRecord, acceptedAt: string): Promise<boolean>;
  /** Resets the operator's run of missed chats (after an accept); nothing when it has none. */
  resetMissedInARow(siteId: string, operatorId: string): Promise<void>;
  /** Moves an assigned chat to another available operator, its capacity respected. */
  transferToOperator(input: TransferToOperatorInput): Promise<TransferOutcome>;
  /** A waiting chat now waits for `group`; false when it no longer waits. */
  regroupWaiting(record: ChatRecord, group: string, escalated: boolean): Promise<boolean>;
  /** Writes a message of the chat as read: a visitor's to a chat not closed; an operator's to its chat (its first accepts it). */
  putMessage(record: ChatRecord, message: Message): Promise<MessageWriteOutcome>;
  /** The chat's messages after `afterId`, oldest first, `limit` at most. */
  listMessages(siteId: string, chatId: string, limit: number, afterId?: string): Promise<Message[]>;
  /** The site's chats nobody took and not closed, newest first, a page at a time; null for a cursor this site never gave. */
  listFollowUps(siteId: string, limit: number, cursor?: string): Promise<FollowUpsPage | null>;
  /** Every chat of every site whose answer deadline passed before `beforeMs` unaccepted (for the periodic repair). */
  listOverdueAnswers(beforeMs: number): Promise<OverdueAnswer[]>;
  /** A page of the open chats of that incarnation of the operator (`limit` of them at most), newest first. */
  openChatsPage(operator: { siteId: string; id: string; incarnation: string }, limit: number, cursor?: OpenChatsPage['cursor']): Promise<OpenChatsPage>;
  /** The open chats given to this incarnation of the operator. */
  listOpenChats(siteId: string, operatorId: string, incarnation: string): Promise<Chat[]>;
  /** Chats created in [fromId, toId) by time-ordered id. */
  listChats(siteId: string, range: { fromId: string; toId: string }): Promise<Chat[]>;
  /** The statistics' counters of the UTC days `fromDay` to `toDay` (YYYY-MM-DD, both inclusive), by row. */
  readStatCounters(siteId: string, fromDay: string, toDay: string): Promise<CounterRows>;

  /** Acts on a liveness check: offline when stale, else the next check (the caller sends it). */
  checkLiveness(check: LivenessCheck, nowMs: number): Promise<LivenessOutcome>;
  /** Sets the operator offline if it is online or away with a heartbeat at or before `cutoffMs` (as read by a lost claim); false otherwise. */
  setOfflineIfStale(operator: Operator, cutoffMs: number): Promise<boolean>;
  /** The liveness checks due by `nowMs`, reading only those. */
  dueLivenessChecks(nowMs: number): Promise<{ checks: LivenessCheck[]; itemsRead: number }>;
}
