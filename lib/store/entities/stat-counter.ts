import type { EntityDefinition } from './attributes.js';
import { NO_OPERATOR, rowKey, type Counts } from '../../domain/stat-counters.js';

/**
 * The statistics' counters: one item per site, UTC day and operator, under the site's own
 * partition `STATS#<siteId>` (a report is one Query of a day range). The row of chats without an
 * operator is spread over a few items, so that concurrent unassigned starts do not all write one.
 */
export const STAT_COUNTER = { type: 'stats', indexes: {} } as const satisfies EntityDefinition;

export const statsPk = (siteId: string) => `STATS#${siteId}`;

const NO_OPERATOR_SHARDS = 4;

/** The sort key of a row; `spread` (any string, e.g. a chat id) picks the item of the no-operator row. */
export function counterSk(key: string, spread: string): string {
  if (!key.endsWith(`#${NO_OPERATOR}`)) return key;
  let hash = 0;
  for (const char of spread) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `${key}#${hash % NO_OPERATOR_SHARDS}`;
}

/** The row an item's sort key belongs to (the no-operator items are one row). */
export const rowOfSk = (sk: string) => (sk.includes(`#${NO_OPERATOR}`) ? rowKey(sk.slice(0, 10), NO_OPERATOR) : sk);

/** An item's counts: every numeric attribute but the keys. */
export function countsOfItem(item: Record<string, unknown>): Counts {
  const counts: Counts = {};
  for (const [name, value] of Object.entries(item)) {
    if (name !== 'pk' && name !== 'sk' && typeof value === 'number') counts[name as keyof Counts] = value;
  }
  return counts;
}
