import type { MiddlewareObj, Request } from '@middy/core';
import { originNotAllowed } from '../../domain/errors.js';
import { identifier } from '../../domain/schemas.js';
import { originAllowed } from '../../domain/settings.js';
import type { Runtime } from '../../runtime.js';
import type { ApiEvent } from '../api-event.js';
import type { OriginCheck } from '../route.js';

export { originAllowed };

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
 * Reads the site and holds the request to its allowedOrigins: a request whose Origin is neither
 * allowed nor the service's own gets 403 (the site is then forgotten, so that the refusal grants
 * nothing). An unknown site is left to the route (404), an invalid site id to validation (400).
 */
async function readAndCheckSite(event: ApiEvent, rt: () => Runtime): Promise<void> {
  const siteId = event.pathParameters?.siteId;
  if (!siteId || !identifier.safeParse(siteId).success) return; // validation answers 400
  event.site = await rt().deps.store.getSite(siteId);
  const { origin } = event.headers;
  if (!origin || !event.site || originAllowed(event.site.settings.allowedOrigins, origin)) return;
  if (isOwnOrigin(origin, event, rt().config.PUBLIC_ORIGIN)) return;
  event.site = null;
  throw originNotAllowed();
}

/**
 * What a route that checks the Origin itself (`originCheckedByHandler`) gives its use case: the
 * Origin the site's allowedOrigins must allow (none for a request without Origin, or from the
 * service's own origin), and where the settings the use case read go, for the reply's CORS headers.
 */
export function handlerOriginCheck(event: ApiEvent, publicOrigin: string | undefined): OriginCheck {
  const { origin } = event.headers;
  return {
    mustAllow: origin && !isOwnOrigin(origin, event, publicOrigin) ? origin : undefined,
    onSettings: (settings) => {
      event.site = { settings };
    },
  };
}

/**
 * CORS for the widget routes, by the site's own allowedOrigins: a request whose Origin is
 * neither allowed nor the service's own gets 403, whatever else it carries (a bearer token
 * included); an allowed Origin is echoed on every reply, errors included, so the widget can
 * read them.
 *
 * The site is read before anything else. On a route that checks the Origin itself
 * (`checkedByHandler`: the chat start, whose engine reads the settings anyway) it is not: the
 * handler's use case refuses a disallowed Origin before it writes and hands over the settings it
 * read, and the site is read here only when the handler did not (a reply it did not make: an
 * idempotent repeat) or, with `siteCorsOnError`, when an error came first.
 */
export function siteCors(rt: () => Runtime, options: { checkedByHandler?: boolean } = {}): MiddlewareObj<ApiEvent> {
  if (!options.checkedByHandler) {
    return {
      before: ({ event }) => readAndCheckSite(event, rt),
      after: addCorsHeaders,
      onError: addCorsHeaders,
    };
  }
  return {
    after: async (request) => {
      if (request.event.site === undefined) await readAndCheckSite(request.event, rt);
      addCorsHeaders(request);
    },
    onError: addCorsHeaders,
  };
}

/**
 * The other half of `siteCors` on a route that checks the Origin itself: an error that came
 * before the use case read the settings (a bad body, an invalid request, an unknown site, a
 * failure) is held to the site's allowedOrigins here, by reading the site now: a disallowed
 * Origin turns it into the 403 that `siteCors` would have answered first, and an allowed one is
 * echoed on the error. Register it after httpErrorHandler, so that its onError runs before it
 * and the reply is rendered from the error it leaves, exactly as if thrown before the handler.
 */
export function siteCorsOnError(rt: () => Runtime): MiddlewareObj<ApiEvent> {
  return {
    onError: async (request) => {
      if (request.event.site !== undefined) return; // read (by the handler, or refused already)
      try {
        await readAndCheckSite(request.event, rt);
      } catch (error) {
        // The refusal, or the read's own failure: either is what the reply says, as when the site is read first.
        request.error = error as Error;
      }
    },
  };
}
