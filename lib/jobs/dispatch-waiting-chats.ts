import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Operator } from '../domain/model.js';
import { dispatchWaiting, type DispatchResult } from '../engine/dispatch.js';
import type { EngineDeps } from '../engine/deps.js';
import { rerouteChatsOf } from '../engine/reassign.js';
import { logger } from '../http/logger.js';
import { countAssigned, recordDispatchLatency } from '../observability/metrics.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';
import { OPERATOR, operatorFromItem } from '../store/entities/operator.js';
import { WAITING } from '../store/entities/waiting.js';

/**
 * The stream records that wake the dispatcher (Lambda event filtering in AWS; the local stream
 * reader applies the same patterns): a chat starting to wait (new, or taken back), a write
 * marked `freedAtMs` of an operator that may take chats (online, below capacity: `queuePk`),
 * that is a close of one of its chats, coming online, a higher `maxChats` or a heartbeat back
 * from stale; and an operator that left (set offline from online or away, or deleted), whose
 * unaccepted chats are routed again. Claims and ordinary heartbeats clear the mark, so they
 * invoke nothing.
 */
export const DISPATCH_FILTER_PATTERNS = [
  { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: [WAITING.type] } } } },
  {
    eventName: ['INSERT', 'MODIFY'],
    dynamodb: { NewImage: { type: { S: [OPERATOR.type] }, freedAtMs: { N: [{ exists: true }] }, queuePk: { S: [{ exists: true }] } } },
  },
  // Holding chats (DynamoDB numbers are strings to the filter: no numeric comparison).
  {
    eventName: ['MODIFY'],
    dynamodb: {
      OldImage: { type: { S: [OPERATOR.type] }, status: { S: ['online', 'away'] } },
      NewImage: { status: { S: ['offline'] }, activeChats: { N: [{ 'anything-but': ['0'] }] } },
    },
  },
  { eventName: ['REMOVE'], dynamodb: { OldImage: { type: { S: [OPERATOR.type] }, activeChats: { N: [{ 'anything-but': ['0'] }] } } } },
] as const;

type Image = Record<string, AttributeValue>;

const imageOf = (record: DynamoDBRecord, which: 'NewImage' | 'OldImage') => unmarshall((record.dynamodb?.[which] ?? {}) as Image);

/** The item as the record shows it: after the write, or as it was when it was deleted. */
const latestImageOf = (record: DynamoDBRecord) => imageOf(record, record.eventName === 'REMOVE' ? 'OldImage' : 'NewImage');

/** The site a record is about. */
const siteOf = (record: DynamoDBRecord) => String(latestImageOf(record).siteId);

/** An operator that left holding chats: set offline, or deleted (the filter passes no other operator records of that kind). */
function leaverOf(record: DynamoDBRecord): Operator | null {
  const image = latestImageOf(record);
  if (image.type !== OPERATOR.type || Number(image.activeChats ?? 0) === 0) return null;
  return record.eventName === 'REMOVE' || image.status === 'offline' ? operatorFromItem(image) : null;
}

/**
 * One pass per site per batch, however many of its records the batch holds: first the chats of
 * operators who left are taken back, then waiting chats are dispatched, starting with the
 * operators the records carried (their new images are fresher than the queue index).
 */
export async function dispatchBatch(deps: EngineDeps, event: DynamoDBStreamEvent, context?: Context) {
  const fresh = new Map<string, Operator[]>();
  const leavers = new Map<string, Operator[]>();
  for (const record of event.Records) {
    const leaver = leaverOf(record);
    if (leaver) leavers.set(leaver.siteId, [...(leavers.get(leaver.siteId) ?? []), leaver]);
    const image = imageOf(record, 'NewImage');
    if (image.type !== OPERATOR.type || leaver) continue;
    // An item's records come in the order of its writes: the last image of an operator is its newest.
    const operator = operatorFromItem(image);
    const operators = (fresh.get(String(image.siteId)) ?? []).filter((other) => other.id !== operator.id);
    operators.push(operator);
    fresh.set(String(image.siteId), operators);
  }
  const passes = new Map<string, Promise<DispatchResult>>();
  const pass = (siteId: string) => {
    let running = passes.get(siteId);
    if (!running) {
      running = (async () => {
        for (const leaver of leavers.get(siteId) ?? []) await rerouteChatsOf(deps, leaver);
        return dispatchWaiting(deps, siteId, fresh.get(siteId));
      })();
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
    if (result && result.assigned > 0) {
      logger.info('waiting chats dispatched', { siteId, ...result });
      countAssigned('dispatched', result.assigned);
    }
  }
  // How long after an operator was freed (the moment its write marked) the dispatcher acted on it.
  const freed = event.Records.map((record) => Number(imageOf(record, 'NewImage').freedAtMs)).filter(Number.isFinite);
  if (freed.length > 0) recordDispatchLatency(Date.now() - Math.min(...freed));
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
  // that fills an operator takes it out of the queue index; each assignment's answer deadline
  // is sent. The chats of an operator who left are read from the openChats index and each
  // taken back in a transaction that writes its queue entry.
  grants: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    queries: ['table', 'queue', 'load', 'openChats'],
    deadlines: true,
  } satisfies Grants,
  filterPatterns: DISPATCH_FILTER_PATTERNS,
  handler: () =>
    middy<DynamoDBStreamEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler((event, context) => dispatchBatch(runtime().deps, event, context)),
};
