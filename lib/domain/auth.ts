import { forbidden, unauthorized } from './errors.js';

/** Who a bearer token belongs to. */
export type Principal =
  | { role: 'platform' }
  | { role: 'admin'; siteId: string }
  | { role: 'operator'; siteId: string; operatorId: string };

/**
 * What a route asks of its caller. `chat-party` routes check the chat itself in the engine;
 * `chat-reader` routes too, and take the visitor's chat token as the bearer token (an unknown
 * token is passed on to be compared with the chat's); `site-member` is the site's admin or any
 * of its operators; `any-token` routes take any valid token (the pages ask whose token they were given).
 */
export type RouteRole =
  | 'none'
  | 'visitor'
  | 'platform'
  | 'admin'
  | 'admin-or-platform'
  | 'operator'
  | 'site-member'
  | 'chat-party'
  | 'chat-reader'
  | 'any-token';

/**
 * Whether the platform token may call routes of this role. Only these routes compare a bearer
 * token with the platform token (and may read its secret); elsewhere it is an unknown token.
 */
export function roleAdmitsPlatform(role: RouteRole): boolean {
  return role === 'platform' || role === 'admin-or-platform' || role === 'any-token';
}

export interface RouteTarget {
  siteId?: string;
  operatorId?: string;
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or not a bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Whether the principal may call a route of that role on that target: 401 when there is no
 * valid token, 403 when the token is valid but for another role, site or operator.
 */
export function authorize(principal: Principal | null, role: RouteRole, target: RouteTarget): void {
  if (role === 'none' || role === 'visitor' || role === 'chat-party' || role === 'chat-reader') return;
  if (!principal) throw unauthorized();
  if (role === 'any-token') return;
  if (role === 'site-member') {
    if (principal.role === 'platform') throw forbidden('This route needs the admin or an operator token.');
    if (principal.siteId !== target.siteId) throw forbidden('This token belongs to another site.');
    return;
  }
  if (role === 'admin-or-platform') {
    if (principal.role === 'platform') return;
    if (principal.role !== 'admin') throw forbidden('This route needs the admin token.');
  } else if (principal.role !== role) throw forbidden(`This route needs the ${role} token.`);
  if (principal.role === 'platform') return;
  if (principal.siteId !== target.siteId) throw forbidden('This token belongs to another site.');
  if (principal.role === 'operator' && principal.operatorId !== target.operatorId) {
    throw forbidden('An operator token acts only for its own operator.');
  }
}
