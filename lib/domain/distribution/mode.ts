import type { Operator } from '../model.js';

/** A source of uniform numbers in [0, 1), injectable so tests can fix the seed. */
export type Random = () => number;

/**
 * What a chat start must read for the mode to pick: the head page of the operators that can take
 * chats in last-assignment order (`queue-head`) or in load order, fewest open chats first, then
 * last assignment (`load-head`) — enough when the mode's choice is always near that head — or
 * every available operator of the site (`all-available`).
 */
export type ModeReads = 'queue-head' | 'load-head' | 'all-available';

/**
 * What the claim's conditional write must find on the operator exactly as it was read, besides
 * the availability every claim checks. Empty: any available operator will do. The store turns
 * each field into a condition (`turn`: the turn read, which the claim then moves on by one;
 * `activeChats`: the count of open chats read).
 */
export interface ClaimGuard {
  readonly turn?: number;
  readonly activeChats?: number;
}

export interface PickContext {
  random: Random;
  /** True when a previous claim for this chat lost a race. */
  afterConflict: boolean;
}

/** One distribution mode: everything the service needs to know about it, without I/O. */
export interface DistributionModeDefinition<Name extends string = string> {
  /** The settings value and the chats' `assignedBy`. */
  readonly name: Name;
  /** The admin page's radio button label (its accessible name). */
  readonly label: string;
  /** One sentence for the admin page. */
  readonly description: string;
  readonly reads: ModeReads;
  /** The operator to try among `available` (all available, none full or stale); null when empty. */
  pick(available: readonly Operator[], context: PickContext): Operator | null;
  /** What the claim of `operator` (as read) must guard. */
  claimGuard(operator: Operator): ClaimGuard;
}

/** Keeps the mode's name as a literal type. */
export function defineMode<const Name extends string>(mode: DistributionModeDefinition<Name>): DistributionModeDefinition<Name> {
  return mode;
}

export function pickOne<T>(items: readonly T[], random: Random): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pickOne needs a non-empty list');
  return item;
}
