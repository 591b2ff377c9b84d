import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadlineSchema } from '../deadlines/deadline.js';
import type { EngineDeps } from '../engine/deps.js';
import { handleDeadline } from '../engine/handle-deadline.js';
import { logger } from '../http/logger.js';
import { countAssigned, recordReassignLatency } from '../observability/metrics.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';

/**
 * Acts on each deadline of the batch (a failed one is reported and comes back after the
 * visibility timeout; the handler is idempotent). A message that is no deadline is logged and
 * dropped: retrying it cannot help.
 */
export function handleDeadlines(deps: EngineDeps, event: SQSEvent, context?: Context) {
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      const parsed = deadlineSchema.safeParse(JSON.parse(record.body));
      if (!parsed.success) {
        logger.error('not a deadline', { messageId: record.messageId });
        return;
      }
      const result = await handleDeadline(deps, parsed.data);
      logger.info('deadline handled', { ...parsed.data, ...result });
      if (parsed.data.kind === 'answer-timeout' && result.takenBack) recordReassignLatency(deps.clock() - parsed.data.dueAtMs);
      // A group chat that fell back to the whole site may be dispatched at once.
      if (typeof result.assigned === 'number' && result.assigned > 0) countAssigned('dispatched', result.assigned);
    },
    new BatchProcessor(EventType.SQS),
    { ...(context ? { context } : {}) },
  );
}

/** The deadline queue's consumer (an SQS event source; locally the in-process queue). */
export const deadlineJob = {
  name: 'handle-chat-deadlines',
  // Fallback: reads the chat and the group, moves the queue entry, dispatches as the dispatcher
  // does. Answer timeout: reads the chat, the site and the operator; the take-back is one
  // transaction (the chat, its new queue entry, the operator and its group copies); setting the
  // operator away is an update. Either sends a deadline again when it is not due yet. Live
  // auth: reads the connection, closes it (the WebSocket API) and deletes it when unauthenticated.
  grants: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], queries: ['table', 'queue', 'load'], deadlines: true, live: 'manage' } satisfies Grants,
  handler: () =>
    middy<SQSEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler((event, context) => handleDeadlines(runtime().deps, event, context)),
};
