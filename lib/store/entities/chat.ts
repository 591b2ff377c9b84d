/**
 * The chat: SITE#<siteId> / CHAT#<chatId> (chat ids sort by creation time). While it is open and
 * assigned it is in the openChats index, under its operator's incarnation (openChatsPk), newest
 * first (createdAt); closing it removes openChatsPk. A chat nobody took is in the same index under
 * its site's follow-ups (followUpsPk), newest first, until it is closed. While it is assigned and not yet accepted on
 * a site with an answer timeout, it is also in the liveness index, in shards 'ANSWER#<n>' by its
 * answer deadline (staleAt), so that the periodic repair finds a deadline whose message was lost;
 * the accept, the take-back and the close remove it.
 */
import { createHash } from 'node:crypto';
import type { AssignedBy } from '../../domain/distribution/index.js';
import type { Chat, ChatStatus, ClientType } from '../../domain/model.js';
import type { ChatRecord } from '../port.js';
import { flag, itemMapper, nullable, value, type EntityDefinition, type Item } from './attributes.js';
import { sitePk } from './site.js';
import { TTL_ATTRIBUTE } from './ttl.js';
import { DEFAULT_RETENTION_DAYS } from '../../domain/model.js';
import { keepSecondsOf } from '../../domain/settings.js';

export { keepSecondsOf } from '../../domain/settings.js';

export const DEFAULT_KEEP_SECONDS = keepSecondsOf({ retentionDays: DEFAULT_RETENTION_DAYS });

export const CHAT_SK_PREFIX = 'CHAT#';
export const chatKey = (siteId: string, chatId: string) => ({ pk: sitePk(siteId), sk: `${CHAT_SK_PREFIX}${chatId}` });

/** The openChats-index partition of one incarnation of an operator. */
export const openChatsPk = (siteId: string, operatorId: string, incarnation: string) =>
  `OPCHATS#${siteId}#${operatorId}#${incarnation}`;

/** The openChats-index partition of the site's chats nobody took (the follow-up requests), until closed. */
export const followUpsPk = (siteId: string) => `FOLLOWUP#${siteId}`;

/** Number of liveness-index partitions holding chats that await their accept; the repair queries each. */
export const ANSWER_SHARDS = 4;

export function answerShard(siteId: string): string {
  const digest = createHash('sha1').update(siteId).digest();
  return `ANSWER#${digest.readUInt32BE(0) % ANSWER_SHARDS}`;
}

export const allAnswerShards = () => Array.from({ length: ANSWER_SHARDS }, (_, shard) => `ANSWER#${shard}`);

/** The attributes that keep an unaccepted chat in the liveness index until its answer deadline (none without one). */
export const awaitingAnswer = (siteId: string, answerDueAtMs: number | null) =>
  answerDueAtMs === null ? {} : { liveShard: answerShard(siteId), staleAt: answerDueAtMs };

/** The attributes removed when a chat stops awaiting its accept (accepted, taken back, closed, moved). */
export const AWAITING_ANSWER_ATTRIBUTES = ['liveShard', 'staleAt'] as const;

const chatMapper = itemMapper<Chat>({
  id: value<string>().storedAs('chatId'),
  siteId: value<string>(),
  visitorId: value<string>(),
  clientType: value<ClientType>(),
  status: value<ChatStatus>(),
  operatorId: nullable<string>(),
  assignedBy: nullable<AssignedBy>(),
  createdAt: value<string>(),
  closedAt: nullable<string>(),
  // Chats written before v2 routing lack these.
  group: nullable<string>(),
  assignedAt: nullable<string>(),
  acceptedAt: nullable<string>(),
  missedBy: value<string[]>().whenAbsent([]),
  // Chats written before follow-ups have none.
  contact: { name: nullable<string>().storedAs('contactName'), email: nullable<string>().storedAs('contactEmail') },
});

const recordMapper = itemMapper<ChatRecord>({
  chat: chatMapper.shape,
  tokenHash: value<string>(),
  // Chats written before incarnations existed have none.
  operatorIncarnation: nullable<string>(),
  // Written only on a chat that counts; chats written before the visitor limit count for nobody.
  countsForVisitor: flag().sparse(),
  // Chats written before messages have none.
  messageCount: value<number>().whenAbsent(0),
  // Chats written before retention are kept the default time.
  keepSeconds: value<number>().whenAbsent(DEFAULT_KEEP_SECONDS),
});

/**
 * Retention: a chat is kept `keepSeconds` (its site's retention when it started) after it ended.
 * The clause (and its names and values) that sets its expiry when it ends at `endedAt`: closed,
 * or recorded unassigned. An open chat never expires (its operator counts it).
 */
export function expiryOnEnd(endedAt: string) {
  return {
    set: '#expiresAt = if_not_exists(keepSeconds, :keepDefault) + :endedAtSeconds',
    names: { '#expiresAt': TTL_ATTRIBUTE },
    values: { ':keepDefault': DEFAULT_KEEP_SECONDS, ':endedAtSeconds': Math.floor(Date.parse(endedAt) / 1000) },
  };
}

export const CHAT = {
  type: 'chat',
  // The repair reads an overdue answer's assignment only: a message counted leaves the entry as it is.
  indexes: { openChats: 'all', liveness: ['siteId', 'chatId', 'operatorId', 'assignedAt'] },
} as const satisfies EntityDefinition;

/**
 * A new chat's item. An assigned chat is open: it is in its operator's open chats and counts
 * among its visitor's; a waiting chat counts among its visitor's; a chat nobody took counts for neither.
 */
export function newChatItem(
  chat: Chat,
  tokenHash: string,
  operatorIncarnation: string | null,
  answerDueAtMs: number | null = null,
  messageCount = 0,
  keepSeconds = DEFAULT_KEEP_SECONDS,
): Item {
  const assigned = chat.status === 'assigned' && Boolean(chat.operatorId);
  const countsForVisitor = assigned || chat.status === 'waiting';
  return {
    ...chatKey(chat.siteId, chat.id),
    type: CHAT.type,
    ...recordMapper.write({ chat, tokenHash, operatorIncarnation, countsForVisitor, messageCount, keepSeconds }),
    // Recorded unassigned, it has ended already.
    ...(chat.status === 'unassigned' ? { [TTL_ATTRIBUTE]: Math.floor(Date.parse(chat.createdAt) / 1000) + keepSeconds } : {}),
    ...(assigned ? { openChatsPk: openChatsPk(chat.siteId, chat.operatorId!, operatorIncarnation ?? '') } : {}),
    ...(chat.status === 'unassigned' ? { openChatsPk: followUpsPk(chat.siteId) } : {}),
    ...(assigned ? awaitingAnswer(chat.siteId, answerDueAtMs) : {}),
  };
}

export const chatRecordFromItem = (item: Item): ChatRecord => recordMapper.read(item);

export const chatFromItem = (item: Item): Chat => chatMapper.read(item);
