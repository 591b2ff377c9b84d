import type { Operator } from '../model.js';
import { defineMode, pickOne, type Random } from './mode.js';

export function pickAtRandom(available: readonly Operator[], random: Random): Operator | null {
  return available.length === 0 ? null : pickOne(available, random);
}

/** `random`: uniformly at random among every available operator; any of them may be claimed. */
export const randomMode = defineMode({
  name: 'random',
  label: 'Random',
  description: 'Each chat goes to an available operator chosen at random.',
  reads: 'all-available',
  pick: (available, { random }) => pickAtRandom(available, random),
  claimGuard: () => ({}),
});
