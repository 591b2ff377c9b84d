import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { limitsOf } from '../../lib/function-limits.js';
import { deadlineJob } from '../../lib/jobs/handle-chat-deadlines.js';

/**
 * The deadline handler's timeout, as the stack deploys it (lib/function-limits.ts): a batch of up
 * to DEADLINE_BATCH_SIZE deadlines, each a fallback and a dispatch pass of its site.
 */
export const DEADLINE_HANDLER_TIMEOUT = Duration.seconds(limitsOf(deadlineJob.name).timeoutSeconds);

/**
 * How long a received deadline stays hidden from other receives: six times the handler's
 * timeout, as AWS recommends for a queue that is a Lambda event source (the poller may retry
 * a throttled invocation of the batch it holds before the message may come back).
 */
export const DEADLINE_VISIBILITY_TIMEOUT = Duration.seconds(6 * DEADLINE_HANDLER_TIMEOUT.toSeconds());

/** Receives of one deadline before it goes to the dead-letter queue (the handler is idempotent; five tries outlast a brief outage). */
export const DEADLINE_MAX_RECEIVES = 5;

/**
 * How long an unreceived deadline is kept: long past any use (the periodic repair falls back an
 * overdue group chat within a minute anyway), short enough that a queue stuck for a day does not
 * replay stale moments for days after.
 */
export const DEADLINE_RETENTION = Duration.days(1);

/** The dead letters are kept the longest SQS allows, to be read and redriven by hand. */
export const DEADLINE_DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * The deadline queue: each message is a moment the service must act at (lib/deadlines/deadline.ts),
 * sent with DelaySeconds up to MAX_DELAY_SECONDS (a later moment is sent again when it arrives),
 * consumed by the deadline handler (Operations wires the event source and the alarms).
 */
export class Deadlines extends Construct {
  readonly queue: Queue;
  /** Deadlines the handler failed DEADLINE_MAX_RECEIVES times (the queue's redrive target). */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A standard queue keeps a message's first enqueue time in its DLQ: longer than the source's, as AWS recommends.
      retentionPeriod: DEADLINE_DEAD_LETTER_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEADLINE_RETENTION,
      visibilityTimeout: DEADLINE_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: DEADLINE_MAX_RECEIVES },
    });
  }
}
