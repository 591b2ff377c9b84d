import type { MiddlewareObj, Request } from '@middy/core';
import { originNotAllowed } from '../../domain/errors.js';
import { identifier } from '../../domain/schemas.js';
import type { Runtime } from '../../runtime.js';
import type { ApiEvent } from '../api-event.js';

/** Whether a browser at `origin` may call the site's widget routes (an empty list allows any). */
export function originAllowed(allowedOrigins: readonly string[], origin: string): boolean {
  return allowedOrigins.length === 0 || allowedOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase());
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined; // "null" (sandboxed frames, file:) is no one's own origin
  }
}

/**
 * Whether `origin` is the service's own: the pages (the console closes chats with an operator
 * token) are served from the API's origin, and browsers send Origin on same-origin POSTs. It is
 * the configured public origin (CloudFront's, in AWS: API Gateway sees its own Host there, not
 * the viewer's), or the host the request was sent to (the local server serves the pages and the
 * API together). Only the Origin and Host headers decide, and a page can set neither.
 */
export function isOwnOrigin(origin: string, event: ApiEvent, publicOrigin: string | undefined): boolean {
  const host = hostOf(origin);
  if (!host) return false;
  if (publicOrigin && hostOf(publicOrigin) === host) return true;
  const requestHost = event.headers.host ?? event.requestContext?.domainName;
  return requestHost !== undefined && requestHost.toLowerCase() === host;
}

function addCorsHeaders(request: Request<ApiEvent>) {
  const { origin } = request.event.headers;
  const site = request.event.site;
  if (!origin || !site || !request.response || !originAllowed(site.settings.allowedOrigins, origin)) return;
  request.response.headers = {
    ...request.response.headers,
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  };
}

/**
 * CORS for the widget routes, by the site's own allowedOrigins: a request whose Origin is
 * neither allowed nor the service's own gets 403, whatever else it carries (a bearer token
 * included); an allowed Origin is echoed on every reply, errors included, so the widget can
 * read them. The site read here is handed on to the handler.
 */
export function siteCors(rt: () => Runtime): MiddlewareObj<ApiEvent> {
  return {
    before: async ({ event }) => {
      const siteId = event.pathParameters?.siteId;
      if (!siteId || !identifier.safeParse(siteId).success) return; // validation answers 400
      event.site = await rt().deps.store.getSite(siteId);
      const { origin } = event.headers;
      if (!origin || !event.site || originAllowed(event.site.settings.allowedOrigins, origin)) return;
      if (isOwnOrigin(origin, event, rt().config.PUBLIC_ORIGIN)) return;
      event.site = null;
      throw originNotAllowed();
    },
    after: addCorsHeaders,
    onError: addCorsHeaders,
  };
}
