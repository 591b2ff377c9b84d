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

/**
 * What invokes the jobs, and the alarms that matter: the dispatcher on the table's stream, the
 * deadline handler on the deadline queue, the stale-operator sweep and the queue repair every minute.
 */
export class Operations extends Construct {
  readonly sweepRule: Rule;
  readonly repairRule: Rule;
  /** Where the stream records the dispatcher could not handle end up (their stream positions, not the items). */
  readonly dispatchDeadLetters: Queue;
  readonly dispatchSource: DynamoEventSource;
  readonly deadlineSource: SqsEventSource;
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
    ];
  }
}
