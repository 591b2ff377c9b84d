import type { DeadlineQueue } from '../deadlines/deadline.js';
import type { Random } from '../domain/distribution/index.js';
import { ContentionError } from '../domain/errors.js';
import type { ChatStore } from '../store/port.js';
import type { LivePush } from '../live/push.js';
import type { WebhookTargetPolicy } from './webhooks.js';

/** What the engine runs on; tests fix the clock and the random source. */
export interface EngineDeps {
  store: ChatStore;
  /** Epoch milliseconds. */
  clock: () => number;
  random: Random;
  /** Where the moments the service must act at are sent (a group chat's fallback). */
  deadlines: DeadlineQueue;
  /** Where webhooks may be sent; strict (https, public addresses, the system's DNS) when absent. */
  webhookPolicy?: WebhookTargetPolicy;
  /** The live-push sockets (the deadline that closes an unauthenticated one). */
  live?: LivePush;
}

export function systemDeps(store: ChatStore, deadlines: DeadlineQueue, webhookPolicy?: WebhookTargetPolicy, live?: LivePush): EngineDeps {
  return { store, clock: Date.now, random: Math.random, deadlines, ...(webhookPolicy ? { webhookPolicy } : {}), ...(live ? { live } : {}) };
}

const DEFAULT_MAX_ATTEMPTS = 20;

export interface RetryOptions {
  maxAttempts?: number;
  /** Jittered backoff after a lost race, so that the losers of a burst do not all retry at once. */
  random?: Random;
}

/**
 * Runs a read-then-conditional-write step until its write lands. `attempt` returns undefined
 * when its write lost a race; anything else ends the loop. With `random`, each retry waits a
 * random part of the lost attempt's own duration, doubled per loss up to four times: the
 * wait follows the store's speed (milliseconds on DynamoDB) instead of a guessed constant.
 */
export async function untilWritten<T>(
  attempt: (attemptNumber: number) => Promise<T | undefined>,
  options: RetryOptions = {},
): Promise<T> {
  const { maxAttempts = DEFAULT_MAX_ATTEMPTS, random } = options;
  for (let attemptNumber = 0; attemptNumber < maxAttempts; attemptNumber += 1) {
    const started = performance.now();
    const result = await attempt(attemptNumber);
    if (result !== undefined) return result;
    if (random) {
      const wait = random() * Math.min(2 ** attemptNumber, 4) * (performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  throw new ContentionError();
}
