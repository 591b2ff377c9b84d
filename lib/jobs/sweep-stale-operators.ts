import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sweepStaleOperators } from '../engine/sweep.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';

/** Every minute (EventBridge): sets offline the operators whose heartbeat went stale. Safe to run twice. */
export const sweepJob = {
  name: 'sweep-stale-operators',
  // Reads the stale end of the liveness index, each stale operator's site timeout, then a conditional update per stale operator.
  grants: { table: ['GetItem', 'Query', 'UpdateItem'], queries: ['liveness'] } satisfies Grants,
  handler: () =>
    middy()
      .use(injectLambdaContext(logger))
      .handler(async () => {
        const result = await sweepStaleOperators(runtime().deps);
        logger.info('stale operators swept', { ...result });
        return result;
      }),
};
