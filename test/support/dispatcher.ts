import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { startStreamReader } from '../../infra/local/stream-reader.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { dispatchBatch, DISPATCH_FILTER_PATTERNS } from '../../lib/jobs/dispatch-waiting-chats.js';

/**
 * The dispatcher on a table's stream, as `npm start` runs it (the same reader and filter), with
 * the test's engine. `batches` keeps every event it was invoked with, for replays.
 */
export async function startTestDispatcher(deps: () => EngineDeps, tableName: string) {
  const batches: DynamoDBStreamEvent[] = [];
  const failures: DynamoDBRecord[][] = [];
  const reader = await startStreamReader({
    endpoint: inject('dynamoEndpoint'),
    tableName,
    filterPatterns: DISPATCH_FILTER_PATTERNS,
    retryAttempts: 1,
    invoke: (event) => {
      batches.push(event);
      return dispatchBatch(deps(), event);
    },
    onFailure: (records) => failures.push(records),
  });
  return { reader, batches, failures };
}
