import type { RouteRole } from '../domain/auth.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';

export interface RouteDefinition {
  /** The handler: functions/<name>.ts, exporting `handler`. */
  readonly name: string;
  readonly method: HttpMethod;
  /** API Gateway path template, e.g. /v1/sites/{siteId}/chats. */
  readonly path: string;
  readonly role: RouteRole;
  /** Called by the widget from other origins: CORS by the site's allowedOrigins. */
  readonly widget?: boolean;
  /** The body is raw bytes (the avatar upload), not JSON. */
  readonly binaryBody?: boolean;
  /** Needs write access to the data (the CDK stack grants read-only otherwise). */
  readonly writes: boolean;
  readonly summary: string;
}

/** Every route of the API; the CDK stack, the local server and the OpenAPI document read this table. */
export const ROUTES: readonly RouteDefinition[] = [
  { name: 'get-health', method: 'GET', path: '/v1/health', role: 'none', writes: false, summary: 'Liveness check' },
  {
    name: 'get-openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    role: 'none',
    writes: false,
    summary: 'This API described in OpenAPI 3',
  },
  { name: 'create-site', method: 'POST', path: '/v1/sites', role: 'platform', writes: true, summary: 'Create a site' },
  {
    name: 'get-settings',
    method: 'GET',
    path: '/v1/sites/{siteId}/settings',
    role: 'admin',
    writes: false,
    summary: "Read the site's settings",
  },
  {
    name: 'update-settings',
    method: 'PUT',
    path: '/v1/sites/{siteId}/settings',
    role: 'admin',
    writes: true,
    summary: "Partially update the site's settings",
  },
  {
    name: 'list-operators',
    method: 'GET',
    path: '/v1/sites/{siteId}/operators',
    role: 'admin',
    writes: false,
    summary: "List the site's operators",
  },
  {
    name: 'put-operator',
    method: 'PUT',
    path: '/v1/sites/{siteId}/operators/{operatorId}',
    role: 'admin',
    writes: true,
    summary: 'Create or update an operator',
  },
  {
    name: 'delete-operator',
    method: 'DELETE',
    path: '/v1/sites/{siteId}/operators/{operatorId}',
    role: 'admin',
    writes: true,
    summary: 'Remove an operator',
  },
  {
    name: 'upload-avatar',
    method: 'POST',
    path: '/v1/sites/{siteId}/avatar',
    role: 'admin',
    binaryBody: true,
    writes: true,
    summary: 'Upload the shared avatar (PNG, JPEG, WebP or GIF, at most 512 KB)',
  },
  {
    name: 'get-stats',
    method: 'GET',
    path: '/v1/sites/{siteId}/stats',
    role: 'admin',
    writes: false,
    summary: 'Chats created in a period, by operator and assignment rule',
  },
  {
    name: 'set-operator-status',
    method: 'PUT',
    path: '/v1/sites/{siteId}/operators/{operatorId}/status',
    role: 'operator',
    writes: true,
    summary: 'Set own status (counts as a heartbeat)',
  },
  {
    name: 'record-heartbeat',
    method: 'POST',
    path: '/v1/sites/{siteId}/operators/{operatorId}/heartbeat',
    role: 'operator',
    writes: true,
    summary: 'Heartbeat',
  },
  {
    name: 'list-operator-chats',
    method: 'GET',
    path: '/v1/sites/{siteId}/operators/{operatorId}/chats',
    role: 'operator',
    writes: false,
    summary: "The operator's open chats, newest first",
  },
  {
    name: 'get-widget',
    method: 'GET',
    path: '/v1/sites/{siteId}/widget',
    role: 'visitor',
    widget: true,
    writes: false,
    summary: 'What the widget shows: available operators and site options',
  },
  {
    name: 'start-chat',
    method: 'POST',
    path: '/v1/sites/{siteId}/chats',
    role: 'visitor',
    widget: true,
    writes: true,
    summary: 'Start a chat: assigns an operator or records it unassigned',
  },
  {
    name: 'close-chat',
    method: 'POST',
    path: '/v1/sites/{siteId}/chats/{chatId}/close',
    role: 'chat-party',
    widget: true,
    writes: true,
    summary: "Close a chat (its operator's token, or the visitor's chatToken in the body)",
  },
];

/** CORS preflight answers for the widget routes, one per widget path. */
export const PREFLIGHT_ROUTES: readonly RouteDefinition[] = [
  ...new Set(ROUTES.filter((route) => route.widget).map((route) => route.path)),
].map((path) => ({
  name: 'answer-preflight',
  method: 'OPTIONS',
  path,
  role: 'visitor',
  widget: true,
  writes: false,
  summary: 'CORS preflight for the widget',
}));

export const ALL_ROUTES: readonly RouteDefinition[] = [...ROUTES, ...PREFLIGHT_ROUTES];

export function findRoute(name: string): RouteDefinition {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
}
