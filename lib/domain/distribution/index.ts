/**
 * The distribution modes: the ONE list every other place derives from (the settings enum, the
 * chats' `assignedBy`, the stats' `byMethod` keys, the response schemas, the admin page's picker,
 * what a chat start reads and what its claim guards).
 *
 * To add a mode (e.g. `least-busy`):
 *   1. write `./<name>.ts` exporting `defineMode({ name, label, description, reads, pick, claimGuard })`
 *      (see ./mode.ts for what each field means, ./queue.ts and ./random.ts for examples);
 *   2. add it to `DISTRIBUTION_MODES` below;
 *   3. write its test, `test/domain/distribution-<name>.test.ts`, for its pick and its guard
 *      (test/domain/distribution-modes.test.ts already checks the common rules on every mode).
 * Nothing else: the rest of the service follows this list. The guard may only use the fields
 * of `ClaimGuard` (./mode.ts), which the store knows how to check.
 *
 * This module and the modes it lists must stay pure (no I/O, no Node APIs, no zod): the admin
 * page bundles them.
 */
import { leastBusyMode } from './least-busy.js';
import type { DistributionModeDefinition } from './mode.js';
import { queueMode } from './queue.js';
import { randomMode } from './random.js';

export type { ClaimGuard, DistributionModeDefinition, ModeReads, PickContext, Random } from './mode.js';

/** Every mode, in the order the admin page shows them. */
export const DISTRIBUTION_MODES = [queueMode, randomMode, leastBusyMode] as const;

export type DistributionMode = (typeof DISTRIBUTION_MODES)[number]['name'];

type NamesOf<Modes extends readonly { name: string }[]> = { readonly [K in keyof Modes]: Modes[K]['name'] };

/** The mode names as a tuple, for `z.enum`. */
export const MODE_NAMES = DISTRIBUTION_MODES.map((mode) => mode.name) as unknown as NamesOf<typeof DISTRIBUTION_MODES>;

/**
 * The mode of that name. A name no mode has (a setting written by a newer version) gets the
 * first mode, queue, as before the registry.
 */
export function modeNamed(name: DistributionMode): DistributionModeDefinition<DistributionMode> {
  return DISTRIBUTION_MODES.find((mode) => mode.name === name) ?? DISTRIBUTION_MODES[0];
}

/**
 * Every rule that can assign a chat: the modes, then the operators a request names (a rule
 * outside the modes, such as v2's `returning` or `transfer`, is added here).
 */
export const ASSIGNMENT_METHODS = [...MODE_NAMES, 'default', 'visitor', 'returning', 'transfer'] as const;

export type AssignedBy = (typeof ASSIGNMENT_METHODS)[number];
