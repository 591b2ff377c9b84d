import { ASSIGNMENT_METHODS, type AssignedBy } from './distribution/index.js';
import type { Chat } from './model.js';

/**
 * The statistics' counters: what a chat adds to the counts of the UTC day it was created, per
 * operator (its current one, and each one that missed it). A write that changes a chat adds
 * `counterDeltas(before, after)` to the counters in the same transaction, so they always equal
 * the sum of every chat's contribution, and a report reads counters, never chats.
 */

/** A site's `countedFrom` when the counters hold all its chats: it was created with them. */
export const COUNTED_FROM_THE_START = '1970-01-01';

/** The row of the chats that have no operator (unassigned, or closed while waiting); no operator id has a `~`. */
export const NO_OPERATOR = '~';

/** What a chat's counts depend on. */
export type CountedChat = Pick<Chat, 'createdAt' | 'status' | 'operatorId' | 'assignedBy' | 'assignedAt' | 'missedBy'>;

export type CountName = 'assigned' | 'unassigned' | 'missed' | `by_${AssignedBy}` | `w${number}` | `s${number}`;

/** Counts by name, for one (day, operator) row. */
export type Counts = Partial<Record<CountName, number>>;

/** Rows by `${day}#${operatorId}`. */
export type CounterRows = Map<string, Counts>;

export const rowKey = (day: string, operatorId: string) => `${day}#${operatorId}`;

export function splitRowKey(key: string): { day: string; operatorId: string } {
  return { day: key.slice(0, 10), operatorId: key.slice(11) };
}

export const byMethodCount = (method: AssignedBy): CountName => `by_${method}`;

/**
 * Waits are counted in log-scale buckets: bucket 0 is under 0.1 s, bucket k ≥ 1 holds
 * [0.1 · 2^((k-1)/4), 0.1 · 2^(k/4)) s; bucket 90 (past 15 h) holds everything longer. Each
 * bucket keeps its count (`w<k>`) and the sum of its waits in ms (`s<k>`), so a percentile read
 * from them is the mean of the bucket it falls in: within 19 % of the true value, and exact
 * when the bucket holds one value only.
 */
const FIRST_BUCKET_SECONDS = 0.1;
const BUCKETS_PER_DOUBLING = 4;
export const LAST_WAIT_BUCKET = 90;

export function waitBucket(seconds: number): number {
  if (!(seconds >= FIRST_BUCKET_SECONDS)) return 0;
  return Math.min(LAST_WAIT_BUCKET, 1 + Math.floor(BUCKETS_PER_DOUBLING * Math.log2(seconds / FIRST_BUCKET_SECONDS)));
}

export const waitCount = (bucket: number): CountName => `w${bucket}`;
export const waitSum = (bucket: number): CountName => `s${bucket}`;

const isWaitCount = (name: string) => /^w\d+$/.test(name);

/** The wait of an assigned chat: creation to its (latest) assignment, in ms. */
const waitMsOf = (chat: CountedChat) => Math.max(0, Date.parse(chat.assignedAt!) - Date.parse(chat.createdAt));

function add(rows: CounterRows, key: string, name: CountName, by: number) {
  const counts = rows.get(key) ?? {};
  counts[name] = (counts[name] ?? 0) + by;
  rows.set(key, counts);
}

/**
 * What one chat adds: a miss for each operator it was taken back from; once it stopped waiting,
 * an assignment (by its rule, with its wait) to its operator or one unassigned chat. A waiting
 * chat counts only its misses.
 */
export function addContribution(rows: CounterRows, chat: CountedChat, sign: 1 | -1 = 1) {
  const day = chat.createdAt.slice(0, 10);
  for (const id of chat.missedBy) add(rows, rowKey(day, id), 'missed', sign);
  if (chat.status === 'waiting') return;
  if (!chat.operatorId || !chat.assignedBy) {
    add(rows, rowKey(day, NO_OPERATOR), 'unassigned', sign);
    return;
  }
  const key = rowKey(day, chat.operatorId);
  add(rows, key, 'assigned', sign);
  add(rows, key, byMethodCount(chat.assignedBy), sign);
  if (!chat.assignedAt) return;
  const waitMs = waitMsOf(chat);
  const bucket = waitBucket(waitMs / 1000);
  add(rows, key, waitCount(bucket), sign);
  if (waitMs > 0) add(rows, key, waitSum(bucket), sign * waitMs);
}

/** The counts of many chats. */
export function countersOf(chats: Iterable<CountedChat>): CounterRows {
  const rows: CounterRows = new Map();
  for (const chat of chats) addContribution(rows, chat);
  return rows;
}

/** What the counters must add when a chat goes from `before` (null: new) to `after`: only the counts that change. */
export function counterDeltas(before: CountedChat | null, after: CountedChat): CounterRows {
  const rows: CounterRows = new Map();
  addContribution(rows, after);
  if (before) addContribution(rows, before, -1);
  for (const [key, counts] of rows) {
    for (const [name, value] of Object.entries(counts)) if (value === 0) delete counts[name as CountName];
    if (Object.keys(counts).length === 0) rows.delete(key);
  }
  return rows;
}

/** The method counts of a row, every method listed. */
export function methodCounts(counts: Counts): Record<AssignedBy, number> {
  return Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, counts[byMethodCount(method)] ?? 0])) as Record<AssignedBy, number>;
}

/** Adds one row's counts into another. */
export function mergeCounts(into: Counts, from: Counts) {
  for (const [name, value] of Object.entries(from)) into[name as CountName] = (into[name as CountName] ?? 0) + (value ?? 0);
}

/** p50, p90 and max read from the wait buckets of some counts (nearest rank); null when no chat was assigned. */
export function waitPercentiles(counts: Counts): { p50: number; p90: number; max: number } | null {
  const buckets = Object.entries(counts)
    .filter(([name, value]) => isWaitCount(name) && (value ?? 0) > 0)
    .map(([name, value]) => {
      const bucket = Number(name.slice(1));
      // The mean wait of the bucket, in seconds to the millisecond.
      return { bucket, count: value!, seconds: Math.round((counts[waitSum(bucket)] ?? 0) / value!) / 1000 };
    })
    .sort((a, b) => a.bucket - b.bucket);
  const total = buckets.reduce((sum, { count }) => sum + count, 0);
  if (total === 0) return null;
  const at = (p: number) => {
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const { count, seconds } of buckets) {
      seen += count;
      if (seen >= rank) return seconds;
    }
    return buckets.at(-1)!.seconds;
  };
  return { p50: at(50), p90: at(90), max: buckets.at(-1)!.seconds };
}
