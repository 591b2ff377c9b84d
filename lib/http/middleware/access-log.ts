import type { MiddlewareObj, Request } from '@middy/core';
import { logger } from '../logger.js';
import type { ApiEvent } from '../api-event.js';
import type { Route } from '../route.js';

function logOutcome(request: Request<ApiEvent>) {
  const statusCode = (request.response as { statusCode?: number } | undefined)?.statusCode ?? 500;
  const outcome = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'refused' : 'ok';
  logger.info('request handled', { statusCode, outcome });
}

/** One structured line per request: route, site, status and outcome (never headers or bodies). */
export function accessLog(route: Pick<Route, 'name'>): MiddlewareObj<ApiEvent> {
  return {
    before: ({ event }) => {
      logger.appendKeys({ route: route.name, siteId: event.pathParameters?.siteId });
    },
    after: logOutcome,
    onError: logOutcome,
  };
}
