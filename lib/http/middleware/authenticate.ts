import type { MiddlewareObj } from '@middy/core';
import { authorize, bearerToken, type Principal } from '../../domain/auth.js';
import { unauthorized } from '../../domain/errors.js';
import { hashToken, tokenMatches } from '../../domain/ids.js';
import type { Runtime } from '../../runtime.js';
import type { ApiEvent } from '../api-event.js';
import type { RouteDefinition } from '../routes.js';

async function resolvePrincipal(token: string, rt: Runtime): Promise<Principal | null> {
  if (tokenMatches(token, await rt.platformTokenHash())) return { role: 'platform' };
  return rt.deps.store.findTokenOwner(hashToken(token));
}

/**
 * Finds who the bearer token belongs to (one read, by the token's hash) and checks it against
 * the route: 401 without a valid token, 403 for another role, site or operator. Routes open to
 * visitors read no token; the chat's parties are checked by the close route itself.
 */
export function authenticate(route: RouteDefinition, rt: () => Runtime): MiddlewareObj<ApiEvent> {
  return {
    before: async ({ event }) => {
      if (route.role === 'none' || route.role === 'visitor') return;
      const header = event.headers.authorization;
      const token = bearerToken(header);
      if (header !== undefined && !token) throw unauthorized();
      event.principal = token ? await resolvePrincipal(token, rt()) : null;
      if (token && !event.principal) throw unauthorized();
      authorize(event.principal, route.role, event.pathParameters ?? {});
    },
  };
}
