/**
 * The site's closed chats per UTC hour: SITE#<siteId> / CLOSES#<yyyy-mm-ddThh>, with `closes`,
 * raised by one after each close of an assigned chat. A waiting chat's estimated wait is read
 * from the last two of them (lib/domain/queue-estimate.ts). Kept for two days (TTL).
 */
import { HOUR_MS } from '../../domain/queue-estimate.js';
import type { EntityDefinition } from './attributes.js';
import { sitePk } from './site.js';

export { HOUR_MS };
export const CLOSES_SK_PREFIX = 'CLOSES#';

/** The hour bucket of an instant: its ISO hour, e.g. 2026-12-02T15. */
export const hourOf = (ms: number) => new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);

export const closesKey = (siteId: string, hourStartMs: number) => ({ pk: sitePk(siteId), sk: `${CLOSES_SK_PREFIX}${hourOf(hourStartMs)}` });

/** Seconds after the end of its hour when the bucket is no longer read. */
export const CLOSES_KEPT_SECONDS = 2 * 24 * 3600;

export const CLOSES = { type: 'closes', indexes: {} } as const satisfies EntityDefinition;
