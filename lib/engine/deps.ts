import type { Random } from '../domain/distribution.js';
import { ContentionError } from '../domain/errors.js';
import type { ChatStore } from '../store/port.js';

/** What the engine runs on; tests fix the clock and the random source. */
export interface EngineDeps {
  store: ChatStore;
  /** Epoch milliseconds. */
  clock: () => number;
  random: Random;
}

export function systemDeps(store: ChatStore): EngineDeps {
  return { store, clock: Date.now, random: Math.random };
}

const DEFAULT_MAX_ATTEMPTS = 20;

/**
 * Runs a read-then-conditional-write step until its write lands. `attempt` returns undefined
 * when its write lost a race; anything else ends the loop.
 */
export async function untilWritten<T>(
  attempt: (attemptNumber: number) => Promise<T | undefined>,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
): Promise<T> {
  for (let attemptNumber = 0; attemptNumber < maxAttempts; attemptNumber += 1) {
    const result = await attempt(attemptNumber);
    if (result !== undefined) return result;
  }
  throw new ContentionError();
}
