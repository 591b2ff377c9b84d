/**
 * What AWS runs besides the HTTP API, run locally by the same code: the dispatcher, the webhook
 * publisher and the live notifier on the table's stream (stream-reader.ts stands in for the event source
 * mappings, with the same filter patterns), the deadline handler and the webhook sender on their
 * queues (in-process queues stand in for SQS and its event sources), and the minute jobs
 * (EventBridge schedules in AWS).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Deadline } from '../../lib/deadlines/deadline.js';
import { localDeadlineQueue } from '../../lib/deadlines/in-process-queue.js';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { CHAT_EVENT_FILTER_PATTERNS } from '../../lib/webhooks/events-from-stream.js';
import { localWebhookQueue, type QueuedWebhook } from '../../lib/webhooks/in-process-queue.js';
import { lambdaContext, loadFunction } from './lambda-context.js';
import { startStreamReader, type StreamReader } from './stream-reader.js';

export const MINUTE_JOBS_EVERY_MS = 60_000;

type StreamHandler = (event: DynamoDBStreamEvent, context: unknown) => Promise<DynamoDBBatchResponse>;
type ScheduledHandler = (event: unknown, context: unknown) => Promise<unknown>;
type QueueHandler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;

/** Messages as the SQS event source hands them over. */
function sqsEvent(messages: ReadonlyArray<{ body: unknown; receiveCount?: number; receiptHandle?: string }>): SQSEvent {
  return {
    Records: messages.map(({ body, receiveCount = 1, receiptHandle = randomUUID() }) => ({
      messageId: randomUUID(),
      receiptHandle,
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:chat-deadlines',
      awsRegion: 'local',
    })),
  };
}

export interface LocalEvents {
  dispatcher: StreamReader;
  webhookPublisher: StreamReader;
  liveNotifier: StreamReader;
  stop(): Promise<void>;
}

/** Starts the dispatcher; with `minuteJobs`, also the sweep and the repair every minute. Needs the runtime's environment set. */
export async function startLocalEvents(options: { endpoint: string; tableName: string; minuteJobs?: boolean }): Promise<LocalEvents> {
  // Each stream consumer reads the stream on its own, as each event source mapping does in AWS.
  const onStream = async (name: string, filterPatterns: readonly object[]) => {
    const handler = await loadFunction<StreamHandler>(name);
    const { endpoint, tableName } = options;
    return startStreamReader({ endpoint, tableName, filterPatterns, invoke: (event) => handler(event, lambdaContext(name)) });
  };
  const dispatcher = await onStream('dispatch-waiting-chats', DISPATCH_FILTER_PATTERNS);
  const webhookPublisher = await onStream('publish-webhook-events', CHAT_EVENT_FILTER_PATTERNS);
  const liveNotifier = await onStream('push-live-events', CHAT_EVENT_FILTER_PATTERNS);
  const handleDeadlines = await loadFunction<QueueHandler>('handle-chat-deadlines');
  const deadlines = localDeadlineQueue();
  deadlines.consume(async (due) => {
    const response = await handleDeadlines(sqsEvent(due.map((deadline) => ({ body: deadline }))), lambdaContext('handle-chat-deadlines'));
    // A reported failure comes back, as SQS redelivers it after the visibility timeout.
    if (response.batchItemFailures.length > 0) throw new Error('a deadline failed');
  });
  // The webhook sender on its queue.
  const sendWebhooks = await loadFunction<QueueHandler>('send-webhooks');
  const webhooks = localWebhookQueue();
  webhooks.consume(async ({ event, receiveCount, receiptHandle }: QueuedWebhook) => {
    const response = await sendWebhooks(sqsEvent([{ body: event, receiveCount, receiptHandle }]), lambdaContext('send-webhooks'));
    return response.batchItemFailures.length === 0;
  });
  const timers: NodeJS.Timeout[] = [];
  if (options.minuteJobs) {
    for (const name of ['sweep-stale-operators', 'repair-waiting-chats']) {
      const handler = await loadFunction<ScheduledHandler>(name);
      timers.push(
        setInterval(() => {
          handler({}, lambdaContext(name)).catch((error: unknown) => console.error(`${name} failed`, error));
        }, MINUTE_JOBS_EVERY_MS),
      );
    }
  }
  return {
    dispatcher,
    webhookPublisher,
    liveNotifier,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      deadlines.consume(undefined);
      webhooks.consume(undefined);
      await dispatcher.stop();
      await webhookPublisher.stop();
      await liveNotifier.stop();
    },
  };
}
