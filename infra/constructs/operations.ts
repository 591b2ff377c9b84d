import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_DELAY_SECONDS } from '../../lib/deadlines/deadline.js';
import { dispatchJob } from '../../lib/jobs/dispatch-waiting-chats.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';

export interface OperationsProps {
  readonly httpApi: HttpApi;
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

/**
 * What invokes the jobs, and the alarms that matter: the dispatcher and the webhook publisher on
 * the table's stream, the deadline handler and the webhook sender on their queues, the
 * stale-operator sweep and the queue repair every minute.
 */
export class Operations extends Construct {
  readonly sweepRule: Rule;
  readonly repairRule: Rule;
  /** Where the stream records the dispatcher could not handle end up (their stream positions, not the items). */
  readonly dispatchDeadLetters: Queue;
  readonly dispatchSource: DynamoEventSource;
  readonly deadlineSource: SqsEventSource;
  /** Where the stream records the webhook publisher could not queue end up (their stream positions, not the items). */
  readonly webhookPublishDeadLetters: Queue;
  readonly webhookPublishSource: DynamoEventSource;
  readonly webhookSendSource: SqsEventSource;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    // At-least-once delivery is fine: the sweep's writes are conditional, so a second run finds nothing.
    this.sweepRule = new Rule(this, 'SweepSchedule', {
      description: 'Sets offline the operators whose heartbeat went stale',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(props.sweep, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });
    // Likewise: expiring and assigning are conditional transactions, safe to repeat.
    this.repairRule = new Rule(this, 'RepairSchedule', {
      description: 'Expires chats that waited too long and assigns waiting chats a lost or failed event left behind',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(props.repair, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });

    // Lambda reports a batch it gave up on here: its shard and sequence numbers, to read back from the stream (24 h).
    this.dispatchDeadLetters = new Queue(this, 'DispatchDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
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
    this.webhookPublishDeadLetters = new Queue(this, 'WebhookPublishDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
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

    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const atLeastOnce = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    this.alarms = [
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'The API answered 5xx',
        metric: props.httpApi.metricServerError(fiveMinutes),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'TableThrottling', {
        alarmDescription: 'DynamoDB throttled requests on the main table',
        metric: props.table.metricThrottledRequestsForOperations({
          ...fiveMinutes,
          operations: [
            Operation.GET_ITEM,
            Operation.QUERY,
            Operation.PUT_ITEM,
            Operation.UPDATE_ITEM,
            Operation.DELETE_ITEM,
            Operation.TRANSACT_WRITE_ITEMS,
          ],
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'SweepErrors', {
        alarmDescription: 'The stale-operator sweep failed',
        metric: props.sweep.metricErrors(fiveMinutes),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'DispatcherErrors', {
        alarmDescription: 'The dispatcher of waiting chats failed an invocation (its batch is retried, halved)',
        metric: props.dispatcher.metricErrors(fiveMinutes),
        ...atLeastOnce,
      }),
      new Alarm(this, 'DispatchDeadLetterMessages', {
        alarmDescription:
          'Stream records the dispatcher gave up on are in its dead-letter queue: their chats waited for the periodic repair',
        metric: this.dispatchDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        ...atLeastOnce,
      }),
      new Alarm(this, 'DispatcherIteratorAge', {
        alarmDescription: `The dispatcher got a stream record ${DISPATCH_LATENCY_BUDGET_MS} ms or more after its write: the contract's assignment time is at risk`,
        metric: props.dispatcher.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: DISPATCH_LATENCY_BUDGET_MS,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'RepairErrors', {
        alarmDescription: 'The periodic repair of waiting chats failed',
        metric: props.repair.metricErrors(fiveMinutes),
        ...atLeastOnce,
      }),
      new Alarm(this, 'DeadlineHandlerErrors', {
        alarmDescription: 'The deadline handler failed an invocation (its whole batch comes back after the visibility timeout)',
        metric: props.deadlineHandler.metricErrors(fiveMinutes),
        ...atLeastOnce,
      }),
      new Alarm(this, 'DeadlineDeadLetterMessages', {
        alarmDescription:
          'Deadlines the handler failed on every receive are in their dead-letter queue: their group chats waited for the periodic repair',
        metric: props.deadlineDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        ...atLeastOnce,
      }),
      new Alarm(this, 'DeadlineQueueAge', {
        alarmDescription: `A deadline waited ${DEADLINE_MAX_AGE_SECONDS} s or more in its queue (the longest delay is ${MAX_DELAY_SECONDS} s): the deadline handler is behind or failing`,
        metric: props.deadlineQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: DEADLINE_MAX_AGE_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'WebhookPublisherErrors', {
        alarmDescription: 'The webhook publisher failed an invocation (its batch is retried, halved): webhook events are late',
        metric: props.webhookPublisher.metricErrors(fiveMinutes),
        ...atLeastOnce,
      }),
      new Alarm(this, 'WebhookPublisherIteratorAge', {
        alarmDescription: `The webhook publisher got a stream record ${WEBHOOK_PUBLISH_LATENCY_ALARM.toSeconds()} s or more after its write: receivers hear of chats late`,
        metric: props.webhookPublisher.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: WEBHOOK_PUBLISH_LATENCY_ALARM.toMilliseconds(),
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'WebhookPublishDeadLetterMessages', {
        alarmDescription:
          'Stream records the webhook publisher gave up on are in its dead-letter queue: their events were never queued (replay them from the stream within 24 h)',
        metric: this.webhookPublishDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        ...atLeastOnce,
      }),
      new Alarm(this, 'WebhookSenderErrors', {
        alarmDescription:
          'The webhook sender failed an invocation (a timeout or a crash, not a failed delivery): its whole batch comes back after the visibility timeout',
        metric: props.webhookSender.metricErrors(fiveMinutes),
        ...atLeastOnce,
      }),
      new Alarm(this, 'WebhookDeadLetterMessages', {
        alarmDescription: 'Webhook events a receiver did not take in 24 hours of retries are in their dead-letter queue',
        metric: props.webhookDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        ...atLeastOnce,
      }),
    ];
  }
}
