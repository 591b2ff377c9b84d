import type { Operator } from '../model.js';
import { defineMode, pickOne, type Random } from './mode.js';
import { pickFromQueue } from './queue.js';

/**
 * Least busy: the fewest open chats; among those, queue order (never-assigned first, at random
 * among themselves, then the earliest last assignment). After a lost race, `spread` picks at
 * random among those with the fewest open chats, so that concurrent requests fan out over them.
 */
export function pickLeastBusy(available: readonly Operator[], random: Random, spread = false): Operator | null {
  if (available.length === 0) return null;
  const fewest = Math.min(...available.map((operator) => operator.activeChats));
  const least = available.filter((operator) => operator.activeChats === fewest);
  return spread ? pickOne(least, random) : pickFromQueue(least, random);
}

/**
 * `least-busy`: from the head of the operators in load order. The claim is conditional on the
 * count of open chats as read, so two requests that both saw an operator at 0 cannot both take
 * it while another is also at 0: the second fails, re-reads and goes to the other.
 */
export const leastBusyMode = defineMode({
  name: 'least-busy',
  label: 'Least busy',
  description: 'Each chat goes to the available operator with the fewest open chats; ties go to whoever waited longest.',
  reads: 'load-head',
  pick: (available, { random, afterConflict }) => pickLeastBusy(available, random, afterConflict),
  claimGuard: (operator) => ({ activeChats: operator.activeChats }),
});
