import type { Operator } from '../model.js';
import { defineMode, pickOne, type Random } from './mode.js';

/**
 * Queue order: never-assigned operators first (at random among themselves), then the earliest
 * last assignment. After a lost race the caller asks for `spread` instead: a random operator of
 * the lowest turn, so that concurrent requests fan out over the operators equally entitled to
 * the next chat instead of all retrying on the same head.
 */
export function pickFromQueue(available: readonly Operator[], random: Random, spread = false): Operator | null {
  if (available.length === 0) return null;
  if (spread) {
    const lowestTurn = Math.min(...available.map((operator) => operator.turn));
    return pickOne(
      available.filter((operator) => operator.turn === lowestTurn),
      random,
    );
  }
  const neverAssigned = available.filter((operator) => operator.lastAssignedAt === null);
  if (neverAssigned.length > 0) return pickOne(neverAssigned, random);
  const earliest = available.reduce((min, operator) =>
    (operator.lastAssignedAt as string) < (min.lastAssignedAt as string) ? operator : min,
  ).lastAssignedAt;
  return pickOne(
    available.filter((operator) => operator.lastAssignedAt === earliest),
    random,
  );
}

/**
 * `queue`: the earliest last assignment first, from the head of the queue index. The claim is
 * conditional on the operator's turn as read, so two requests never take the same turn.
 */
export const queueMode = defineMode({
  name: 'queue',
  label: 'Queue (smart distribution)',
  description: 'Each chat goes to the available operator who has waited longest since their last chat; new operators first.',
  reads: 'queue-head',
  pick: (available, { random, afterConflict }) => pickFromQueue(available, random, afterConflict),
  claimGuard: (operator) => ({ turn: operator.turn }),
});
