import { Duration, NestedStack, RemovalPolicy, type NestedStackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
  type AlarmProps,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MAX_DELAY_SECONDS } from '../../lib/deadlines/deadline.js';
import { ASSIGNMENT_METHODS } from '../../lib/domain/distribution/index.js';
import { limitsOf } from '../../lib/function-limits.js';
import { dispatchJob } from '../../lib/jobs/dispatch-waiting-chats.js';
import { deadlineJob } from '../../lib/jobs/handle-chat-deadlines.js';
import { webhookPublisherJob } from '../../lib/jobs/publish-webhook-events.js';
import { livePushJob } from '../../lib/jobs/push-live-events.js';
import { repairJob } from '../../lib/jobs/repair-waiting-chats.js';
import { webhookSenderJob } from '../../lib/jobs/send-webhooks.js';
import { sweepJob } from '../../lib/jobs/sweep-stale-operators.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability/metrics.js';
import { INDEXES } from '../../lib/store/table.js';
import {
  DEADLINE_MAX_AGE_SECONDS,
  DISPATCH_LATENCY_BUDGET_MS,
  LIVE_PUSH_LATENCY_ALARM,
  WEBHOOK_PUBLISH_LATENCY_ALARM,
} from './operations.js';

/** A function's Maximum duration at or above this share of its timeout is near timing out. */
export const DURATION_ALARM_SHARE = 0.8;

/** The dispatcher's assignments are counted under this method (lib/jobs/dispatch-waiting-chats.ts), besides ASSIGNMENT_METHODS. */
export const DISPATCHED_METHOD = 'dispatched';

/** Every `method` ChatsAssigned is recorded under: the rules a chat start assigns by, and the dispatcher's. */
export const ASSIGNED_METHODS: readonly string[] = [...ASSIGNMENT_METHODS, DISPATCHED_METHOD];

/** The service's latency metrics' alarm: p99 at or above the contract's 2 s. */
export const LATENCY_P99_ALARM_MS = DISPATCH_LATENCY_BUDGET_MS;

/** What a failed invocation of a job means (its Errors alarm's description); a route's is generic. */
const FAILURE_MEANS: Readonly<Record<string, string>> = {
  [sweepJob.name]: 'The stale-operator sweep failed (the next minute runs it again; the failure is in its failures queue)',
  [repairJob.name]: 'The periodic repair of waiting chats failed (the next minute runs it again; the failure is in its failures queue)',
  [dispatchJob.name]: 'The dispatcher of waiting chats failed an invocation (its batch is retried, halved)',
  [deadlineJob.name]: 'The deadline handler failed an invocation (its whole batch comes back after the visibility timeout)',
  [webhookPublisherJob.name]: 'The webhook publisher failed an invocation (its batch is retried, halved): webhook events are late',
  [webhookSenderJob.name]:
    'The webhook sender failed an invocation (a timeout or a crash, not a failed delivery): its whole batch comes back after the visibility timeout',
  [livePushJob.name]: 'The live notifier failed an invocation (its batch is retried, halved): pages fall back to polling',
};

export interface MonitoringProps extends NestedStackProps {
  /** Every function of the service by function name (its limits are limitsOf(that name)). */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly httpApi: HttpApi;
  /** The main table (its indexes are lib/store/table.ts's INDEXES). */
  readonly table: TableV2;
  readonly dispatcher: IFunction;
  readonly webhookPublisher: IFunction;
  readonly livePush: IFunction;
  readonly deadlineQueue: IQueue;
  /** Each queue whose messages are failures someone must look at, with what a message there means. */
  readonly deadLetters: readonly { readonly id: string; readonly queue: IQueue; readonly means: string }[];
  /** The webhook dead letters, on the dashboard. */
  readonly webhookDeadLetters: IQueue;
  /** Where the alarms are e-mailed (the `alarmEmail` context value); none when absent. */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);
const atLeastOnce = {
  threshold: 1,
  evaluationPeriods: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;

/** One of the service's own metrics (lib/observability/metrics.ts: EMF, the `service` dimension on each). */
export function serviceMetric(metricName: string, statistic: string, dimensions: Record<string, string> = {}): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME, ...dimensions }, statistic, period: FIVE_MINUTES });
}

/**
 * The alarms and the dashboard, in a nested stack of their own (three alarms a function would
 * take the main stack past CloudFormation's 500 resources). Every alarm notifies one SNS topic
 * when it fires and when it recovers; the topic e-mails `alarmEmail` when given.
 */
export class Monitoring extends NestedStack {
  /** The topic every alarm notifies. */
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, { description: 'Chat distribution: alarms, their topic and the dashboard', ...props });

    // Encrypted with a key of our own: CloudWatch cannot publish to a topic under the AWS-managed
    // SNS key, so this key lets CloudWatch use it (AWS's documented key policy for alarms).
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the chat distribution alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Chat distribution alarms', masterKey: key, enforceSSL: true });
    // The topic's policy replaces SNS's default one: CloudWatch alarms of this account publish.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    // Every function: failed invocations, throttled ones, and one running near its timeout.
    for (const [name, fn] of props.functions) {
      const timeoutMs = limitsOf(name).timeoutSeconds * 1000;
      this.alarm(`${name}-Errors`, {
        alarmDescription: FAILURE_MEANS[name] ?? `${name}: the function failed an invocation (a crash or a timeout)`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: Stats.SUM }),
        ...atLeastOnce,
      });
      this.alarm(`${name}-Throttles`, {
        alarmDescription: `${name}: Lambda throttled an invocation (concurrency exhausted)`,
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: Stats.SUM }),
        ...atLeastOnce,
      });
      this.alarm(`${name}-Duration`, {
        alarmDescription: `${name}: an invocation ran ${DURATION_ALARM_SHARE * 100} % or more of its ${timeoutMs / 1000} s timeout`,
        metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: Stats.MAXIMUM }),
        ...atLeastOnce,
        threshold: DURATION_ALARM_SHARE * timeoutMs,
      });
    }

    this.alarm('Api5xx', {
      alarmDescription: 'The API answered 5xx five times or more in five minutes',
      metric: props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: Stats.SUM }),
      ...atLeastOnce,
      threshold: 5,
    });
    this.alarm('TableThrottling', {
      alarmDescription: 'DynamoDB throttled requests on the main table',
      metric: props.table.metricThrottledRequestsForOperations({
        period: FIVE_MINUTES,
        statistic: Stats.SUM,
        operations: [
          Operation.GET_ITEM,
          Operation.QUERY,
          Operation.PUT_ITEM,
          Operation.UPDATE_ITEM,
          Operation.DELETE_ITEM,
          Operation.TRANSACT_WRITE_ITEMS,
        ],
      }),
      ...atLeastOnce,
    });
    // An index that cannot keep up throttles the table's writes that change it.
    for (const index of INDEXES) {
      this.alarm(`IndexWriteThrottling-${index.indexName}`, {
        alarmDescription: `DynamoDB throttled writes to the ${index.indexName} index (and so the table writes that change it)`,
        metric: new Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'WriteThrottleEvents',
          dimensionsMap: { TableName: props.table.tableName, GlobalSecondaryIndexName: index.indexName },
          statistic: Stats.SUM,
          period: FIVE_MINUTES,
        }),
        ...atLeastOnce,
      });
    }

    for (const { id: queueId, queue, means } of props.deadLetters) {
      this.alarm(`${queueId}Messages`, {
        alarmDescription: means,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: Stats.MAXIMUM }),
        ...atLeastOnce,
      });
    }
    this.alarm('DeadlineQueueAge', {
      alarmDescription: `A deadline waited ${DEADLINE_MAX_AGE_SECONDS} s or more in its queue (the longest delay is ${MAX_DELAY_SECONDS} s): the deadline handler is behind or failing`,
      metric: props.deadlineQueue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: Stats.MAXIMUM }),
      ...atLeastOnce,
      threshold: DEADLINE_MAX_AGE_SECONDS,
    });

    // Stream consumers behind the writes.
    this.alarm('DispatcherIteratorAge', {
      alarmDescription: `The dispatcher got a stream record ${DISPATCH_LATENCY_BUDGET_MS} ms or more after its write: the contract's assignment time is at risk`,
      metric: props.dispatcher.metric('IteratorAge', { period: ONE_MINUTE, statistic: Stats.MAXIMUM }),
      ...atLeastOnce,
      threshold: DISPATCH_LATENCY_BUDGET_MS,
    });
    this.alarm('WebhookPublisherIteratorAge', {
      alarmDescription: `The webhook publisher got a stream record ${WEBHOOK_PUBLISH_LATENCY_ALARM.toSeconds()} s or more after its write: receivers hear of chats late`,
      metric: props.webhookPublisher.metric('IteratorAge', { period: ONE_MINUTE, statistic: Stats.MAXIMUM }),
      ...atLeastOnce,
      threshold: WEBHOOK_PUBLISH_LATENCY_ALARM.toMilliseconds(),
    });
    this.alarm('LivePushIteratorAge', {
      alarmDescription: `The live notifier got stream records ${LIVE_PUSH_LATENCY_ALARM.toSeconds()} s or more after their writes for three minutes: pushes are late`,
      metric: props.livePush.metric('IteratorAge', { period: ONE_MINUTE, statistic: Stats.MAXIMUM }),
      ...atLeastOnce,
      threshold: LIVE_PUSH_LATENCY_ALARM.toMilliseconds(),
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });

    // The service's own metrics: a waiting chat assigned, or an unanswered one taken back, late.
    this.alarm('DispatchLatencyP99', {
      alarmDescription: `The dispatcher's p99 latency, from the write that freed an operator to its pass, reached ${LATENCY_P99_ALARM_MS} ms: waiting chats are assigned late`,
      metric: serviceMetric(METRIC.dispatchLatency, Stats.p(99)),
      ...atLeastOnce,
      threshold: LATENCY_P99_ALARM_MS,
    });
    this.alarm('ReassignLatencyP99', {
      alarmDescription: `The p99 latency from an unanswered chat's deadline to its take-back reached ${LATENCY_P99_ALARM_MS} ms`,
      metric: serviceMetric(METRIC.reassignLatency, Stats.p(99)),
      ...atLeastOnce,
      threshold: LATENCY_P99_ALARM_MS,
    });

    this.dashboard = this.buildDashboard(props);
  }

  /** An alarm that notifies the topic when it fires and when it is OK again. */
  private alarm(id: string, props: AlarmProps): Alarm {
    const alarm = new Alarm(this, id, props);
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  private buildDashboard(props: MonitoringProps): Dashboard {
    const graph = (title: string, left: IMetric[], extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {}) =>
      new GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const latency = (metricName: string) =>
      ['p50', 'p99'].map((statistic) => serviceMetric(metricName, statistic).with({ label: `${metricName} ${statistic}` }));
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      graph(
        'Chats assigned, by method',
        ASSIGNED_METHODS.map((method) => serviceMetric(METRIC.chatsAssigned, Stats.SUM, { method }).with({ label: method })),
        { stacked: true },
      ),
      graph('New chats that found nobody: waiting, or kept unassigned', [
        serviceMetric(METRIC.chatsWaiting, Stats.SUM).with({ label: 'waiting' }),
        serviceMetric(METRIC.chatsUnassigned, Stats.SUM).with({ label: 'unassigned' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Chats waiting on all sites (the minute repair)', [serviceMetric(METRIC.waitingChats, Stats.MAXIMUM).with({ period: ONE_MINUTE, label: 'waiting' })]),
      graph('Dispatch latency (ms)', latency(METRIC.dispatchLatency), {
        leftAnnotations: [{ value: LATENCY_P99_ALARM_MS, label: 'p99 alarm' }],
      }),
    );
    dashboard.addWidgets(
      graph('Reassign latency (ms)', latency(METRIC.reassignLatency), {
        leftAnnotations: [{ value: LATENCY_P99_ALARM_MS, label: 'p99 alarm' }],
      }),
      graph('API 5xx', [props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: Stats.SUM }).with({ label: '5xx' })]),
    );
    dashboard.addWidgets(
      graph('Webhook dead letters', [
        props.webhookDeadLetters.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: Stats.MAXIMUM }).with({ label: 'messages' }),
      ]),
    );
    return dashboard;
  }
}
