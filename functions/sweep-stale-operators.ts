import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sweepStaleOperators } from '../lib/engine/sweep.js';
import { logger } from '../lib/http/logger.js';
import { runtime } from '../lib/runtime.js';

/** Every minute (EventBridge): sets offline the operators whose heartbeat went stale. Safe to run twice. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const result = await sweepStaleOperators(runtime().deps);
    logger.info('stale operators swept', { ...result });
    return result;
  });
