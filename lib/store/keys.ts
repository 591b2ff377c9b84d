import { createHash } from 'node:crypto';
import { tiebreaker } from '../domain/ids.js';
import { LIVENESS_SHARDS } from './table.js';

export const sitePk = (siteId: string) => `SITE#${siteId}`;
export const settingsKey = (siteId: string) => ({ pk: sitePk(siteId), sk: 'SETTINGS' });
export const operatorKey = (siteId: string, operatorId: string) => ({ pk: sitePk(siteId), sk: `OP#${operatorId}` });
export const chatKey = (siteId: string, chatId: string) => ({ pk: sitePk(siteId), sk: `CHAT#${chatId}` });
export const visitorKey = (siteId: string, visitorId: string) => ({ pk: sitePk(siteId), sk: `VISITOR#${visitorId}` });

export const OPERATOR_SK_PREFIX = 'OP#';
export const CHAT_SK_PREFIX = 'CHAT#';

/** The queue index partition of a site; the settings item sits in it too, sorted first. */
export const queuePk = (siteId: string) => `SITE#${siteId}`;
export const SETTINGS_QUEUE_SK = '!';

/**
 * An operator's place in the queue index: its last assignment time ('0' before the first,
 * which sorts ahead of every ISO time), then a random tiebreaker.
 */
export const operatorQueueSk = (lastAssignedAt: string | null) => `${lastAssignedAt ?? '0'}#${tiebreaker()}`;

export function liveShard(siteId: string, operatorId: string): string {
  const digest = createHash('sha1').update(`${siteId}/${operatorId}`).digest();
  return `LIVE#${digest.readUInt32BE(0) % LIVENESS_SHARDS}`;
}

export const allLiveShards = () => Array.from({ length: LIVENESS_SHARDS }, (_, shard) => `LIVE#${shard}`);

export const openChatsPk = (siteId: string, operatorId: string, incarnation: string) =>
  `OPCHATS#${siteId}#${operatorId}#${incarnation}`;

/** A token's owner, found by the token's hash. */
export const tokenKey = (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: 'TOKEN' });
