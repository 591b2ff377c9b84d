import type { MiddlewareObj } from '@middy/core';
import { authorize, bearerToken, roleAdmitsPlatform, type Principal } from '../../domain/auth.js';
import { unauthorized } from '../../domain/errors.js';
import { hashToken, tokenMatches } from '../../domain/ids.js';
import type { Runtime } from '../../runtime.js';
import type { ApiEvent } from '../api-event.js';
import type { Route } from '../route.js';

/**
 * Whose token this is. Only a route whose role admits the platform compares the token with the
 * platform token (so only those functions read, and are granted, its secret). Elsewhere the
 * platform token is known by the token item that creating a site leaves (one read, as for any
 * token), so that it is refused with 403 as a token of the wrong role without the secret; on the
 * platform's own routes that item is not trusted (it may be of a token rotated since).
 */
async function resolvePrincipal(token: string, route: Pick<Route, 'role'>, rt: Runtime): Promise<Principal | null> {
  const checksSecret = roleAdmitsPlatform(route.role);
  if (checksSecret && tokenMatches(token, await rt.platformTokenHash())) return { role: 'platform' };
  const owner = await rt.deps.store.findTokenOwner(hashToken(token));
  return checksSecret && owner?.role === 'platform' ? null : owner;
}

/**
 * Finds who the bearer token belongs to (one read, by the token's hash) and checks it against
 * the route: 401 without a valid token, 403 for another role, site or operator. Routes open to
 * visitors read no token; the chat's parties are checked by the chat routes themselves.
 */
export function authenticate(route: Pick<Route, 'role'>, rt: () => Runtime): MiddlewareObj<ApiEvent> {
  return {
    before: async ({ event }) => {
      if (route.role === 'none' || route.role === 'visitor') return;
      const header = event.headers.authorization;
      const token = bearerToken(header);
      if (header !== undefined && !token) throw unauthorized();
      event.principal = token ? await resolvePrincipal(token, route, rt()) : null;
      if (route.role === 'chat-reader') {
        // Not a known token: perhaps the chat's own, which the engine compares with the chat's.
        if (!token) throw unauthorized();
        if (!event.principal) event.bearer = token;
      } else if (token && !event.principal) throw unauthorized();
      authorize(event.principal, route.role, event.pathParameters ?? {});
    },
  };
}
