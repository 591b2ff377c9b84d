import type { Deadline, DeadlineQueue } from './deadline.js';

/** What consumes delivered deadlines: the deadline handler, given an SQS-shaped event (infra/local/events.ts). */
export type DeadlineConsumer = (deadlines: readonly Deadline[]) => Promise<void>;

/** A failed delivery is retried after this long, as SQS does after the visibility timeout. */
const RETRY_AFTER_MS = 1_000;
/** Deliveries of one message at most, as the queue's redrive policy (then it is dropped, as into the DLQ). */
const MAX_RECEIVES = 5;

/**
 * SQS's delay queue in the local stack: each deadline is held by a timer until its moment and
 * then handed to the consumer (the same handler AWS invokes). Unlike the AWS queue it lives in
 * the process: a restart loses pending deadlines, and the repair job (every minute) acts on
 * them as it does in AWS when a message was lost.
 */
export class InProcessDeadlineQueue implements DeadlineQueue {
  private consumer: DeadlineConsumer | undefined;
  private readonly held: Deadline[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  /** `speed`: how many times faster than real time the service's clock runs (tests that speed it up); 1 in the local stack. */
  constructor(private readonly speed = 1) {}

  /** Deliveries go to `consumer` from now on (deadlines that came due before are delivered at once). */
  consume(consumer: DeadlineConsumer | undefined) {
    this.consumer = consumer;
    if (consumer) for (const deadline of this.held.splice(0)) this.deliver(deadline, 1);
  }

  schedule(deadline: Deadline, nowMs: number): Promise<void> {
    this.after(Math.max(0, deadline.dueAtMs - nowMs) / this.speed, () => this.deliver(deadline, 1));
    return Promise.resolve();
  }

  /** Drops every pending timer (the process is stopping). */
  stop() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(ms: number, run: () => void) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private deliver(deadline: Deadline, receive: number) {
    const { consumer } = this;
    if (!consumer) {
      this.held.push(deadline);
      return;
    }
    consumer([deadline]).catch((error: unknown) => {
      if (receive >= MAX_RECEIVES) {
        console.error('deadline dropped after repeated failures', deadline, error);
        return;
      }
      this.after(RETRY_AFTER_MS, () => this.deliver(deadline, receive + 1));
    });
  }
}

let shared: InProcessDeadlineQueue | undefined;

/** The local stack's one queue: the runtime schedules on it and the local events deliver from it. */
export function localDeadlineQueue(): InProcessDeadlineQueue {
  shared ??= new InProcessDeadlineQueue();
  return shared;
}
