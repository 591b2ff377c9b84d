import { randomUUID } from 'node:crypto';
import type { WebhookEvent } from './event.js';
import type { WebhookQueue } from './queue.js';
import { WEBHOOK_MAX_RECEIVES } from './backoff.js';

/** A delivery as the queue hands it over: the event, which delivery this is (1-based), and its handle. */
export interface QueuedWebhook {
  event: WebhookEvent;
  receiveCount: number;
  receiptHandle: string;
}

/** What consumes the queue: the sender's handler; it answers whether the delivery is done. */
export type WebhookConsumer = (delivery: QueuedWebhook) => Promise<boolean>;

/** Without a retryLater, a failed delivery comes back after the queue's visibility timeout, as in SQS. */
const VISIBILITY_TIMEOUT_SECONDS = 180;

/**
 * The webhook queue of the local stack: SQS's semantics in the process (each event delivered
 * until the consumer says it is done, a failed one again after its retry delay, given up after
 * WEBHOOK_MAX_RECEIVES into `deadLetters`). Pending events do not survive a restart.
 */
export class InProcessWebhookQueue implements WebhookQueue {
  readonly deadLetters: WebhookEvent[] = [];
  private consumer: WebhookConsumer | undefined;
  private readonly held: QueuedWebhook[] = [];
  private readonly delays = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private idle: Array<() => void> = [];

  /** `speed`: how many times faster than real time retries come (tests); 1 in the local stack. */
  constructor(private readonly speed = 1) {}

  consume(consumer: WebhookConsumer | undefined) {
    this.consumer = consumer;
    if (consumer) for (const delivery of this.held.splice(0)) this.deliver(delivery);
  }

  send(events: readonly WebhookEvent[]): Promise<void> {
    for (const event of events) this.deliver({ event, receiveCount: 1, receiptHandle: randomUUID() });
    return Promise.resolve();
  }

  retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    this.delays.set(receiptHandle, delaySeconds);
    return Promise.resolve();
  }

  /** Resolves when no delivery is in flight or waiting for a retry (tests). */
  settled(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  stop() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.consumer = undefined;
  }

  private deliver(delivery: QueuedWebhook) {
    const { consumer } = this;
    if (!consumer) {
      this.held.push(delivery);
      return;
    }
    this.inFlight += 1;
    consumer(delivery)
      .catch(() => false)
      .then((done) => {
        const delay = this.delays.get(delivery.receiptHandle) ?? VISIBILITY_TIMEOUT_SECONDS;
        this.delays.delete(delivery.receiptHandle);
        if (!done && delivery.receiveCount >= WEBHOOK_MAX_RECEIVES) this.deadLetters.push(delivery.event);
        else if (!done) {
          this.inFlight += 1;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.inFlight -= 1;
            this.deliver({ event: delivery.event, receiveCount: delivery.receiveCount + 1, receiptHandle: randomUUID() });
          }, (delay * 1000) / this.speed);
          timer.unref();
          this.timers.add(timer);
        }
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
  }
}

let shared: InProcessWebhookQueue | undefined;

/** The local stack's one webhook queue: the publisher sends on it and the local events deliver from it. */
export function localWebhookQueue(): InProcessWebhookQueue {
  shared ??= new InProcessWebhookQueue();
  return shared;
}
