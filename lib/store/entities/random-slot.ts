/**
 * Random distribution's slots: the site's online operators numbered densely 0 … n-1, so that a
 * chat start picks one uniformly with two small reads instead of reading every operator.
 * - slot      SITE#<siteId> / RSLOT#<n>, with `operatorId`
 * - count     n, at `settingsCopy.randomSlots` of the settings item: the chat start's first read
 *             (the head of the queue index, which projects `settingsCopy`) gives it for nothing
 * - operator  `randomSlot`, its slot's number, while it has one
 * Only online operators have a slot; a pick still checks that its operator is available (away,
 * full or stale: it picks again), so the pick is uniform among the available ones. See
 * store/dynamo/random-slots.ts for how the slots are kept dense.
 */
import type { EntityDefinition } from './attributes.js';
import { SETTINGS_COPY, sitePk } from './site.js';

export const RANDOM_SLOT_SK_PREFIX = 'RSLOT#';
export const randomSlotKey = (siteId: string, slot: number) => ({ pk: sitePk(siteId), sk: `${RANDOM_SLOT_SK_PREFIX}${slot}` });

/** Where the count of slots lives on the settings item (a document path). */
export const RANDOM_SLOTS_COUNT = `${SETTINGS_COPY}.randomSlots`;

export const RANDOM_SLOT = { type: 'random-slot', indexes: {} } as const satisfies EntityDefinition;

/** The count the head of the queue index shows (absent: no slot was ever taken). */
export function randomSlotsOf(settingsItem: Record<string, unknown>): number {
  const copy = settingsItem[SETTINGS_COPY] as { randomSlots?: unknown } | undefined;
  return typeof copy?.randomSlots === 'number' ? copy.randomSlots : 0;
}
