/**
 * What AWS runs besides the HTTP API, run locally by the same code: the dispatcher on the
 * table's stream (stream-reader.ts stands in for the event source mapping, with the same filter
 * patterns), and the minute jobs (EventBridge schedules in AWS).
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';
import { lambdaContext, loadFunction } from './lambda-context.js';
import { startStreamReader, type StreamReader } from './stream-reader.js';

export const MINUTE_JOBS_EVERY_MS = 60_000;

type StreamHandler = (event: DynamoDBStreamEvent, context: unknown) => Promise<DynamoDBBatchResponse>;
type ScheduledHandler = (event: unknown, context: unknown) => Promise<unknown>;

export interface LocalEvents {
  dispatcher: StreamReader;
  stop(): Promise<void>;
}

/** Starts the dispatcher; with `minuteJobs`, also the sweep and the repair every minute. Needs the runtime's environment set. */
export async function startLocalEvents(options: { endpoint: string; tableName: string; minuteJobs?: boolean }): Promise<LocalEvents> {
  const dispatch = await loadFunction<StreamHandler>('dispatch-waiting-chats');
  const dispatcher = await startStreamReader({
    endpoint: options.endpoint,
    tableName: options.tableName,
    filterPatterns: DISPATCH_FILTER_PATTERNS,
    invoke: (event) => dispatch(event, lambdaContext('dispatch-waiting-chats')),
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
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await dispatcher.stop();
    },
  };
}
