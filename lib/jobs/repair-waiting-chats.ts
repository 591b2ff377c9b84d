import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { repairQueues } from '../engine/repair-queue.js';
import { logger } from '../http/logger.js';
import { countAssigned, recordWaitingChats } from '../observability/metrics.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';

/**
 * Every minute (EventBridge): takes back chats left unaccepted past their answer deadline,
 * expires chats that waited longer than `maxWaitSeconds` and dispatches what a failed or lost
 * event left waiting. Safe to run twice.
 */
export const repairJob = {
  name: 'repair-waiting-chats',
  // Reads the answer and waiting shards of the liveness index, the sites, chats and operators;
  // takes back chats past their answer deadline (chat, queue entry, operator: PutItem) and may
  // set their operator away; expires (chat, entry, visitor count) and dispatches as the
  // dispatcher does.
  // Assignments send their answer deadlines.
  grants: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], queries: ['liveness', 'table', 'queue', 'load'], deadlines: true } satisfies Grants,
  handler: () =>
    middy()
      .use(injectLambdaContext(logger))
      .handler(async () => {
        const result = await repairQueues(runtime().deps, (siteId, error) => logger.error('repair failed for a site', { siteId, error }));
        logger.info('waiting chats repaired', { ...result });
        recordWaitingChats(result.waiting);
        if (result.assigned > 0) countAssigned('dispatched', result.assigned);
        return result;
      }),
};
