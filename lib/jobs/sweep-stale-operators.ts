import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sweepStaleOperators } from '../engine/liveness.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';

/**
 * Every minute (EventBridge): acts on the liveness checks whose message was lost, setting offline
 * the operators whose heartbeat went stale and sending the next check of the others. Safe to run twice.
 */
export const sweepJob = {
  name: 'sweep-stale-operators',
  // Reads the due end of the liveness index, then a conditional update per operator (with a stale one's site timeout), and sends its next check.
  grants: { table: ['GetItem', 'Query', 'UpdateItem'], queries: ['liveness'], deadlines: true } satisfies Grants,
  handler: () =>
    middy()
      .use(injectLambdaContext(logger))
      .handler(async () => {
        const result = await sweepStaleOperators(runtime().deps);
        logger.info('stale operators swept', { ...result });
        return result;
      }),
};
