import type { WebhookEvent } from './event.js';

/**
 * Where chat events wait for their delivery: an SQS queue in AWS (with its dead-letter queue),
 * a queue in the process locally. The publisher sends; the sender, given the queue's records,
 * asks for a failed one to come back later.
 */
export interface WebhookQueue {
  send(events: readonly WebhookEvent[]): Promise<void>;
  /** The record (by its receipt handle) comes back after this long, instead of the queue's visibility timeout. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
}
