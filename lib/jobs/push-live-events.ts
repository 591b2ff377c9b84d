import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { pushLiveEvents } from '../engine/live-notify.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime } from '../runtime.js';
import { CHAT_EVENT_FILTER_PATTERNS } from '../webhooks/events-from-stream.js';

/** The live notifier: the table's stream (chats and messages) in, the sockets concerned out. */
export const livePushJob = {
  name: 'push-live-events',
  // Reads the site's connections (Query), a message's chat and waiting chats' places (GetItem,
  // Query of the table); removes a connection found gone; posts to the sockets.
  grants: { table: ['GetItem', 'Query', 'DeleteItem'], queries: ['table'], live: 'post' } satisfies Grants,
  filterPatterns: CHAT_EVENT_FILTER_PATTERNS,
  handler: () =>
    middy<DynamoDBStreamEvent, unknown, Error, Context>()
      .use(injectLambdaContext(logger))
      .handler(async (event) => {
        const { deps, live } = runtime();
        const sent = await pushLiveEvents(deps, live, event.Records);
        if (sent > 0) logger.info('live events pushed', { sent });
      }),
};
