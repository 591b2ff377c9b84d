import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The service's own CloudWatch metrics, written as Embedded Metric Format log lines (Powertools
 * Metrics): no API call, CloudWatch reads them from the functions' logs. The CDK stack's
 * dashboard and alarms name the same metrics. Each is flushed as it is recorded (a single
 * metric), so a function that records none prints nothing. The local stack and the tests turn
 * them off (POWERTOOLS_METRICS_DISABLED).
 */
export const METRICS_NAMESPACE = 'ChatDistribution';
export const SERVICE_NAME = 'chat-distribution';

export const METRIC = {
  /** A chat given to an operator, by `method` (queue, random, least-busy, default, visitor, returning, transfer). */
  chatsAssigned: 'ChatsAssigned',
  /** A new chat that found nobody and waits. */
  chatsWaiting: 'ChatsWaiting',
  /** A new chat kept for follow-up (nobody, and no room in the queue). */
  chatsUnassigned: 'ChatsUnassigned',
  /** From the write that let an operator take a waiting chat (its stream record) to the dispatcher's pass. */
  dispatchLatency: 'DispatchLatency',
  /** From an unanswered chat's deadline to its take-back. */
  reassignLatency: 'ReassignLatency',
  /** Chats waiting on all sites, as the minute repair finds them. */
  waitingChats: 'WaitingChats',
} as const;

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

function record(name: string, unit: Unit, value: number, dimensions: Record<string, string> = {}) {
  const single = metrics.singleMetric();
  for (const [dimension, text] of Object.entries(dimensions)) single.addDimension(dimension, text);
  single.addMetric(name, unit, value);
}

export const countAssigned = (method: string, count = 1) => record(METRIC.chatsAssigned, MetricUnit.Count, count, { method });
export const countNewChat = (status: 'waiting' | 'unassigned') =>
  record(status === 'waiting' ? METRIC.chatsWaiting : METRIC.chatsUnassigned, MetricUnit.Count, 1);
export const recordDispatchLatency = (ms: number) => record(METRIC.dispatchLatency, MetricUnit.Milliseconds, ms);
export const recordReassignLatency = (ms: number) => record(METRIC.reassignLatency, MetricUnit.Milliseconds, ms);
export const recordWaitingChats = (count: number) => record(METRIC.waitingChats, MetricUnit.Count, count);
