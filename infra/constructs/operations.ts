import { Duration } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_DELAY_SECONDS } from '../../lib/deadlines/deadline.js';
import { dispatchJob } from '../../lib/jobs/dispatch-waiting-chats.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { livePushJob } from '../../lib/jobs/push-live-events.js';

export interface OperationsProps {
  /** The main table, with its stream. */
  readonly table: TableV2;
  readonly sweep: IFunction;
  readonly dispatcher: IFunction;
  readonly repair: IFunction;
  /** The deadline queue, its dead-letter queue, and the handler that consumes it. */
  readonly deadlineQueue: IQueue;
  readonly deadlineDeadLetters: IQueue;
  readonly deadlineHandler: IFunction;
  /** The webhook publisher (on the table's stream), the webhook queue, its dead-letter queue, and the sender that consumes it. */
  readonly webhookPublisher: IFunction;
  readonly webhookQueue: IQueue;
  readonly webhookDeadLetters: IQueue;
  readonly webhookSender: IFunction;
  /** The live notifier (on the table's stream). */
  readonly livePush: IFunction;
}

/**
 * The stream records each dispatcher invocation takes at most: records of one site share one
 * dispatch pass, and a full batch is still one short invocation.
 */
export const DISPATCH_BATCH_SIZE = 100;

/** Retries of a failing batch (halved each time) before its records go to the dead-letter queue. */
export const DISPATCH_RETRY_ATTEMPTS = 10;

/** Records older than this go to the dead-letter queue unprocessed; the periodic repair has long taken over. */
export const DISPATCH_MAX_RECORD_AGE = Duration.hours(1);

/** The contract assigns a waiting chat within 2 s of the event that lets an operator take it. */
export const DISPATCH_LATENCY_BUDGET_MS = 2_000;

/** Deadlines per invocation of their handler at most (SQS's largest batch without a batching window). */
export const DEADLINE_BATCH_SIZE = 10;

/**
 * A deadline is visible at most MAX_DELAY_SECONDS after it was sent, and received within
 * seconds then; a failed one comes back after the visibility timeout (3 min). A message older
 * than the longest delay and this margin means the handler is behind or failing.
 */
export const DEADLINE_AGE_MARGIN = Duration.minutes(5);
export const DEADLINE_MAX_AGE_SECONDS = MAX_DELAY_SECONDS + DEADLINE_AGE_MARGIN.toSeconds();

/** Stream records per invocation of the webhook publisher at most: one site read and one SendMessageBatch per ten events each. */
export const WEBHOOK_PUBLISH_BATCH_SIZE = 100;

/** Retries of a failing publisher batch (halved each time) before its records go to the publisher's dead-letter queue. */
export const WEBHOOK_PUBLISH_RETRY_ATTEMPTS = 10;

/**
 * Records the publisher has not queued by this age go to its dead-letter queue unqueued: a
 * receiver would get them late anyway, and the stream keeps them 24 h, so the rest of the day is
 * left to replay them by hand from the positions in the dead letters.
 */
export const WEBHOOK_PUBLISH_MAX_RECORD_AGE = Duration.hours(6);

/** The publisher reading the stream this far behind the writes means receivers hear of chats late. */
export const WEBHOOK_PUBLISH_LATENCY_ALARM = Duration.minutes(5);

/** Events per invocation of the webhook sender (SQS's largest batch without a batching window), delivered side by side. */
export const WEBHOOK_SEND_BATCH_SIZE = 10;

/** Stream records per invocation of the live notifier at most: one Query of a site's connections per site in the batch. */
export const LIVE_PUSH_BATCH_SIZE = 100;

/**
 * Retries of a failing notifier batch (halved each time) before its records go to its dead-letter
 * queue: few, since a page that misses a push catches up by polling (its fallback).
 */
export const LIVE_PUSH_RETRY_ATTEMPTS = 2;

/**
 * Records the notifier has not pushed by this age (the shortest Lambda allows) are not pushed:
 * the pages have long polled that change by then, and a late push could show an older state.
 */
export const LIVE_PUSH_MAX_RECORD_AGE = Duration.minutes(1);

/** The notifier reading the stream this far behind the writes, three minutes in a row, means pushes are late (the goal is ≤ 1 s). */
export const LIVE_PUSH_LATENCY_ALARM = Duration.seconds(5);

/**
 * The scheduled jobs run every minute: EventBridge retries an invocation it could not deliver
 * briefly, and the next run is the retry of a run that failed (both jobs take all the work
 * there is, and their writes are conditional).
 */
export const SCHEDULE_RETRY_ATTEMPTS = 2;
export const SCHEDULE_MAX_EVENT_AGE = Duration.minutes(2);

/** The dead letters of every consumer, and the scheduled jobs' failures, are kept the longest SQS allows, to be read and redriven by hand. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * What invokes the jobs, and where what they fail on goes: the dispatcher, the webhook publisher
 * and the live notifier on the table's stream, the deadline handler and the webhook sender on
 * their queues, the stale-operator sweep and the queue repair every minute. The alarms on all of
 * it are Monitoring's.
 */
export class Operations extends Construct {
  readonly sweepRule: Rule;
  readonly repairRule: Rule;
  /**
   * A failed sweep or repair: an invocation EventBridge could not deliver (the rule target's
   * dead-letter queue), or one that failed in the function (its asynchronous invocation's
   * on-failure destination), with the error.
   */
  readonly sweepFailures: Queue;
  readonly repairFailures: Queue;
  /** Where the stream records the dispatcher could not handle end up (their stream positions, not the items). */
  readonly dispatchDeadLetters: Queue;
  readonly dispatchSource: DynamoEventSource;
  readonly deadlineSource: SqsEventSource;
  /** Where the stream records the webhook publisher could not queue end up (their stream positions, not the items). */
  readonly webhookPublishDeadLetters: Queue;
  readonly webhookPublishSource: DynamoEventSource;
  readonly webhookSendSource: SqsEventSource;
  /** Where the stream records the live notifier gave up on end up (their stream positions, not the items). */
  readonly livePushDeadLetters: Queue;
  readonly livePushSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const deadLetters = (name: string) =>
      new Queue(this, name, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: DEAD_LETTER_RETENTION });

    // At-least-once delivery is fine: the sweep's writes are conditional, so a second run finds nothing.
    this.sweepFailures = deadLetters('SweepFailures');
    this.sweepRule = this.everyMinute('SweepSchedule', 'Sets offline the operators whose heartbeat went stale', props.sweep, this.sweepFailures);
    // Likewise: expiring and assigning are conditional transactions, safe to repeat.
    this.repairFailures = deadLetters('RepairFailures');
    this.repairRule = this.everyMinute(
      'RepairSchedule',
      'Expires chats that waited too long and assigns waiting chats a lost or failed event left behind',
      props.repair,
      this.repairFailures,
    );

    // Lambda reports a batch it gave up on here: its shard and sequence numbers, to read back from the stream (24 h).
    this.dispatchDeadLetters = deadLetters('DispatchDeadLetters');
    // The filters are the job's own (the local stream reader applies the same): only a chat
    // starting to wait, or an operator who may take one, invokes the dispatcher. Records of a
    // failed site are reported alone (reportBatchItemFailures) and retried from there; a batch
    // that throws is halved; every write is conditional, so a replay changes nothing. Records
    // from before the mapping existed are the periodic repair's (LATEST).
    this.dispatchSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.LATEST,
      batchSize: DISPATCH_BATCH_SIZE,
      // Latency matters more than batching: invoke as soon as a record arrives.
      maxBatchingWindow: Duration.seconds(0),
      filters: dispatchJob.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: DISPATCH_RETRY_ATTEMPTS,
      maxRecordAge: DISPATCH_MAX_RECORD_AGE,
      onFailure: new SqsDlq(this.dispatchDeadLetters),
    });
    props.dispatcher.addEventSource(this.dispatchSource);

    // Each deadline as soon as it is visible (no batching window: a fallback is not to be late).
    // A failed one is reported alone and comes back after the visibility timeout, into the
    // dead-letter queue after its last receive; the handler is idempotent.
    this.deadlineSource = new SqsEventSource(props.deadlineQueue, {
      batchSize: DEADLINE_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(0),
      reportBatchItemFailures: true,
    });
    props.deadlineHandler.addEventSource(this.deadlineSource);

    // The webhook publisher reads the stream through a mapping of its own (its own position and
    // retries: a failing publisher never holds up the dispatcher), filtered by the job's own
    // patterns (chats written, messages created; the local stream reader applies the same).
    // A batch that throws is retried, halved; the events it queued before go again under the
    // same ids, which receivers de-duplicate. Records from before the mapping existed have no events (LATEST).
    this.webhookPublishDeadLetters = deadLetters('WebhookPublishDeadLetters');
    this.webhookPublishSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.LATEST,
      batchSize: WEBHOOK_PUBLISH_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(0),
      filters: webhookPublisherJob.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: WEBHOOK_PUBLISH_RETRY_ATTEMPTS,
      maxRecordAge: WEBHOOK_PUBLISH_MAX_RECORD_AGE,
      onFailure: new SqsDlq(this.webhookPublishDeadLetters),
    });
    props.webhookPublisher.addEventSource(this.webhookPublishSource);

    // Each event as soon as it is queued, the batch's deliveries side by side. A failed delivery
    // is reported alone, after asking for its backoff (ChangeMessageVisibility); after its last
    // receive SQS moves it to the dead-letter queue (the queue's redrive policy).
    this.webhookSendSource = new SqsEventSource(props.webhookQueue, {
      batchSize: WEBHOOK_SEND_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(0),
      reportBatchItemFailures: true,
    });
    props.webhookSender.addEventSource(this.webhookSendSource);

    // The live notifier reads the stream through a mapping of its own too (a failing notifier
    // never holds up the dispatcher or the webhooks), filtered by the job's own patterns (the
    // local stream reader applies the same). Pushes are worth little late (the pages poll when
    // they miss one): a failing batch is retried twice, halved, and records a minute old are
    // given up, their positions to the notifier's dead-letter queue.
    this.livePushDeadLetters = deadLetters('LivePushDeadLetters');
    this.livePushSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.LATEST,
      batchSize: LIVE_PUSH_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(0),
      filters: livePushJob.filterPatterns.map((pattern) => FilterCriteria.filter(pattern)),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: LIVE_PUSH_RETRY_ATTEMPTS,
      maxRecordAge: LIVE_PUSH_MAX_RECORD_AGE,
      onFailure: new SqsDlq(this.livePushDeadLetters),
    });
    props.livePush.addEventSource(this.livePushSource);
  }

  /**
   * A job every minute. EventBridge invokes it asynchronously: an invocation it cannot deliver
   * (after SCHEDULE_RETRY_ATTEMPTS, within SCHEDULE_MAX_EVENT_AGE) goes to the target's
   * dead-letter queue; one the function fails goes to its on-failure destination, the same queue,
   * at once (no retry of the invocation: the next minute's run is the retry).
   */
  private everyMinute(id: string, description: string, fn: IFunction, failures: Queue): Rule {
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: SCHEDULE_MAX_EVENT_AGE, onFailure: new SqsDestination(failures) });
    return new Rule(this, id, {
      description,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: SCHEDULE_RETRY_ATTEMPTS, maxEventAge: SCHEDULE_MAX_EVENT_AGE, deadLetterQueue: failures })],
    });
  }
}
