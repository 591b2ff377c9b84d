import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Operator } from '../domain/model.js';
import { dispatchWaiting, type DispatchResult } from '../engine/dispatch.js';
import type { EngineDeps } from '../engine/deps.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';
import { OPERATOR, operatorFromItem } from '../store/entities/operator.js';
import { WAITING } from '../store/entities/waiting.js';

/**
 * The stream records that wake the dispatcher (Lambda event filtering in AWS; the local stream
 * reader applies the same patterns): a chat starting to wait, and a write marked `freedAtMs` of
 * an operator that may take chats (online, below capacity: `queuePk`), that is a close of one of
 * its chats, coming online, a higher `maxChats` or a heartbeat back from stale. Claims and
 * ordinary heartbeats clear the mark, so they invoke nothing.
 */
export const DISPATCH_FILTER_PATTERNS = [
  { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: [WAITING.type] } } } },
  {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: { NewImage: { type: { S: [OPERATOR.type] }, freedAtMs: { N: [{ exists: true }] }, queuePk: { S: [{ exists: true }] } } },
  },
] as const;

type Image = Record<string, AttributeValue>;

const newImageOf = (record: DynamoDBRecord) => unmarshall((record.dynamodb?.NewImage ?? {}) as Image);

/** The site a record is about. */
const siteOf = (record: DynamoDBRecord) => String(newImageOf(record).siteId);

/**
 * One dispatch pass per site per batch, however many of its records the batch holds, started
 * with the operators those records carried (their new images are fresher than the queue index).
 */
export async function dispatchBatch(deps: EngineDeps, event: DynamoDBStreamEvent, context?: Context) {
  const fresh = new Map<string, Operator[]>();
  for (const record of event.Records) {
    const image = newImageOf(record);
    if (image.type !== OPERATOR.type) continue;
    const operators = fresh.get(String(image.siteId)) ?? [];
    operators.push(operatorFromItem(image));
    fresh.set(String(image.siteId), operators);
  }
  const passes = new Map<string, Promise<DispatchResult>>();
  const pass = (siteId: string) => {
    let running = passes.get(siteId);
    if (!running) {
      running = dispatchWaiting(deps, siteId, fresh.get(siteId));
      passes.set(siteId, running);
    }
    return running;
  };
  // A failed pass fails every record of its site: the event source retries from the first of them.
  const response = await processPartialResponse(event, (record: DynamoDBRecord) => pass(siteOf(record)), new BatchProcessor(EventType.DynamoDBStreams), {
    ...(context ? { context } : {}),
  });
  for (const [siteId, running] of passes) {
    const result = await running.catch(() => undefined);
    if (result && result.assigned > 0) logger.info('waiting chats dispatched', { siteId, ...result });
  }
  return response;
}

/**
 * The dispatcher: invoked by the table's stream (filtered), it assigns waiting chats as soon as an
 * operator may take them. Batch item failures are reported, so only a failed site's records
 * are retried; every write is conditional, so a replayed record changes nothing.
 */
export const dispatchJob = {
  name: 'dispatch-waiting-chats',
  // Reads the settings, the waiting chats (table) and the operators (queue index); an
  // assignment is one transaction (the operator's claim, the chat, the entry deleted); a claim
  // that fills an operator takes it out of the queue index.
  grants: { table: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem'], queries: ['table', 'queue', 'load'] } satisfies Grants,
  filterPatterns: DISPATCH_FILTER_PATTERNS,
  handler: () =>
    middy<DynamoDBStreamEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler((event, context) => dispatchBatch(runtime().deps, event, context)),
};
