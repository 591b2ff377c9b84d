import type { MiddlewareObj, Request } from '@middy/core';
import { DomainError } from '../../domain/errors.js';
import { identifier } from '../../domain/schemas.js';
import type { Runtime } from '../../runtime.js';
import type { ApiEvent } from '../api-event.js';

export const originNotAllowed = () =>
  new DomainError(403, 'origin_not_allowed', 'This site does not accept requests from that origin.');

/** Whether a browser at `origin` may call the site's widget routes (an empty list allows any). */
export function originAllowed(allowedOrigins: readonly string[], origin: string): boolean {
  return allowedOrigins.length === 0 || allowedOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase());
}

function addCorsHeaders(request: Request<ApiEvent>) {
  const origin = request.event.headers.origin;
  if (!origin || !request.event.site || !request.response) return;
  request.response.headers = {
    ...request.response.headers,
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  };
}

/**
 * CORS for the widget routes, by the site's own allowedOrigins: a disallowed Origin gets 403,
 * an allowed one is echoed on every reply, errors included, so the widget can read them. The
 * site read here is handed on to the handler.
 */
export function siteCors(rt: () => Runtime): MiddlewareObj<ApiEvent> {
  return {
    before: async ({ event }) => {
      const siteId = event.pathParameters?.siteId;
      if (!siteId || !identifier.safeParse(siteId).success) return; // validation answers 400
      event.site = await rt().deps.store.getSite(siteId);
      const origin = event.headers.origin;
      // Only the widget's own calls (no bearer token) are held to the site's origins: an operator
      // closing a chat from the console is authenticated, and calls from the service's own origin.
      const fromWidget = event.headers.authorization === undefined;
      if (origin && fromWidget && event.site && !originAllowed(event.site.settings.allowedOrigins, origin)) {
        event.site = null;
        throw originNotAllowed();
      }
    },
    after: addCorsHeaders,
    onError: addCorsHeaders,
  };
}
