/**
 * A waiting chat's place in its site's queue: SITE#<siteId> / WAIT#<chatId>, written with the chat
 * when it starts waiting and deleted in the transaction that assigns, closes or expires it. Chat
 * ids sort by creation time, so the site's entries read oldest first, consistently, from the
 * table itself (what the dispatcher and a queue position read).
 *
 * The entry is also in two indexes:
 * - queue:    queueSk '#W#<chatId>', between the settings ('!') and the operators, so the one
 *             read a chat start makes of the queue head shows whether chats are waiting; a
 *             group chat in its group's partition until it escalates to the site's;
 * - liveness: liveShard 'WAIT#<n>', staleAt its creation time in ms, so the periodic repair
 *             finds every site with waiting chats without a scan.
 */
import { createHash } from 'node:crypto';
import type { WaitingEntry } from '../port.js';
import { flag, itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { groupQueuePk } from './group.js';
import { queuePk, sitePk } from './site.js';

export const WAIT_SK_PREFIX = 'WAIT#';
export const WAIT_QUEUE_SK_PREFIX = '#W#';
export const waitKey = (siteId: string, chatId: string) => ({ pk: sitePk(siteId), sk: `${WAIT_SK_PREFIX}${chatId}` });

/** Number of liveness-index partitions holding waiting chats; the repair queries each. */
export const WAITING_SHARDS = 4;

export function waitShard(siteId: string): string {
  const digest = createHash('sha1').update(siteId).digest();
  return `WAIT#${digest.readUInt32BE(0) % WAITING_SHARDS}`;
}

export const allWaitShards = () => Array.from({ length: WAITING_SHARDS }, (_, shard) => `WAIT#${shard}`);

const entryMapper = itemMapper<WaitingEntry>({
  siteId: value<string>(),
  chatId: value<string>(),
  // Entries written before it was recorded have none.
  visitorId: value<string>().whenAbsent(''),
  group: nullable<string>(),
  createdAt: value<string>(),
  escalated: flag().sparse(),
  // Entries written before take-backs have none.
  missedBy: value<string[]>().whenAbsent([]),
});

export const WAITING = {
  type: 'waiting',
  indexes: {
    queue: ['chatId', 'group', 'missedBy'],
    load: ['chatId', 'group', 'missedBy'],
    // The repair reads whole entries from its shards.
    liveness: ['siteId', 'chatId', 'visitorId', 'group', 'createdAt', 'escalated', 'missedBy'],
  },
} as const satisfies EntityDefinition;

export function waitingItem(entry: WaitingEntry): Item {
  const { siteId, chatId } = entry;
  return {
    ...waitKey(siteId, chatId),
    type: WAITING.type,
    ...entryMapper.write(entry),
    queuePk: waitingQueuePk(entry),
    queueSk: `${WAIT_QUEUE_SK_PREFIX}${chatId}`,
    loadKey: WAITING_LOAD_KEY,
    liveShard: waitShard(siteId),
    staleAt: Date.parse(entry.createdAt),
  };
}

/** A group chat waits in its group's partition until it escalates; any other in the site's. */
export const waitingQueuePk = (entry: Pick<WaitingEntry, 'siteId' | 'group' | 'escalated'>) =>
  entry.group !== null && !entry.escalated ? groupQueuePk(entry.siteId, entry.group) : queuePk(entry.siteId);

export const waitingFromItem = (item: Item): WaitingEntry => entryMapper.read(item);

/** The waiting chats' place in the load index: after the settings (-2), ahead of every operator (≥ 0). */
export const WAITING_LOAD_KEY = -1;

/** A waiting chat among a page of the queue or load index (the table's keys are in every index). */
export const isWaitingQueueItem = (item: Item) => typeof item.sk === 'string' && item.sk.startsWith(WAIT_SK_PREFIX);

/** A waiting chat read from an index, which projects only its id, group and the operators who missed it. */
export const waitingFromQueueItem = (item: Item): Pick<WaitingEntry, 'chatId' | 'group' | 'missedBy'> => ({
  chatId: String(item.chatId ?? (item.sk as string).slice(WAIT_SK_PREFIX.length)),
  group: (item.group as string | null | undefined) ?? null,
  missedBy: Array.isArray(item.missedBy) ? (item.missedBy as string[]) : [],
});
