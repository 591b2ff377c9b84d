import type { RouteRole } from '../domain/auth.js';
import type { LIVENESS_INDEX, OPEN_CHATS_INDEX, QUEUE_INDEX } from '../store/table.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';

/** DynamoDB actions on the main table (a transaction needs the actions of its parts). */
export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** What a Query reads: the base table, or one of its indexes (lib/store/table.ts). */
export type QueryTarget = 'table' | (typeof QUEUE_INDEX | typeof LIVENESS_INDEX | typeof OPEN_CHATS_INDEX)['indexName'];

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
  /** What the handler does to the main table: the CDK stack grants exactly these actions. */
  readonly table: readonly TableAction[];
  /** With 'Query' in `table`: what it queries; the CDK stack grants Query on exactly these. */
  readonly queries?: readonly QueryTarget[];
  readonly summary: string;
}

/** Every route of the API; the CDK stack, the local server and the OpenAPI document read this table. */
export const ROUTES: readonly RouteDefinition[] = [
  { name: 'get-health', method: 'GET', path: '/v1/health', role: 'none', table: [], summary: 'Liveness check' },
  {
    name: 'get-openapi',
    method: 'GET',
    path: '/v1/openapi.json',
    role: 'none',
    table: [],
    summary: 'This API described in OpenAPI 3',
  },
  {
    name: 'get-me',
    method: 'GET',
    path: '/v1/me',
    role: 'any-token',
    table: ['GetItem'],
    summary: 'Whose token this is: its role, site and operator (with the operator itself), for the console and admin pages',
  },
  { name: 'create-site', method: 'POST', path: '/v1/sites', role: 'platform', table: ['GetItem', 'PutItem'], summary: 'Create a site' },
  {
    name: 'get-settings',
    method: 'GET',
    path: '/v1/sites/{siteId}/settings',
    role: 'admin',
    table: ['GetItem'],
    summary: "Read the site's settings",
  },
  {
    name: 'update-settings',
    method: 'PUT',
    path: '/v1/sites/{siteId}/settings',
    role: 'admin',
    // A newly named default operator is a ConditionCheck in the update's transaction; a new
    // heartbeat timeout is copied to the operators (a Query of the site's items).
    table: ['GetItem', 'Query', 'UpdateItem', 'ConditionCheckItem'],
    queries: ['table'],
    summary: "Partially update the site's settings",
  },
  {
    name: 'list-operators',
    method: 'GET',
    path: '/v1/sites/{siteId}/operators',
    role: 'admin',
    table: ['GetItem', 'Query'],
    queries: ['table'],
    summary: "List the site's operators",
  },
  {
    name: 'put-operator',
    method: 'PUT',
    path: '/v1/sites/{siteId}/operators/{operatorId}',
    role: 'admin',
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    summary: 'Create or update an operator',
  },
  {
    name: 'delete-operator',
    method: 'DELETE',
    path: '/v1/sites/{siteId}/operators/{operatorId}',
    role: 'admin',
    table: ['GetItem', 'DeleteItem', 'UpdateItem'],
    summary: 'Remove an operator',
  },
  {
    name: 'upload-avatar',
    method: 'POST',
    path: '/v1/sites/{siteId}/avatar',
    role: 'admin',
    binaryBody: true,
    table: ['GetItem', 'UpdateItem'],
    summary: 'Upload the shared avatar (PNG, JPEG, WebP or GIF, at most 512 KB)',
  },
  {
    name: 'get-stats',
    method: 'GET',
    path: '/v1/sites/{siteId}/stats',
    role: 'admin',
    table: ['GetItem', 'Query'],
    queries: ['table'],
    summary: 'Chats created in a period, by operator and assignment rule',
  },
  {
    name: 'set-operator-status',
    method: 'PUT',
    path: '/v1/sites/{siteId}/operators/{operatorId}/status',
    role: 'operator',
    table: ['GetItem', 'Query', 'UpdateItem'],
    queries: ['queue'],
    summary: 'Set own status (counts as a heartbeat)',
  },
  {
    name: 'record-heartbeat',
    method: 'POST',
    path: '/v1/sites/{siteId}/operators/{operatorId}/heartbeat',
    role: 'operator',
    table: ['GetItem', 'UpdateItem'],
    summary: 'Heartbeat',
  },
  {
    name: 'list-operator-chats',
    method: 'GET',
    path: '/v1/sites/{siteId}/operators/{operatorId}/chats',
    role: 'operator',
    table: ['GetItem', 'Query'],
    queries: ['openChats'],
    summary: "The operator's open chats, newest first",
  },
  {
    name: 'get-widget',
    method: 'GET',
    path: '/v1/sites/{siteId}/widget',
    role: 'visitor',
    widget: true,
    table: ['GetItem', 'Query'],
    queries: ['table'],
    summary: 'What the widget shows: available operators and site options',
  },
  {
    name: 'start-chat',
    method: 'POST',
    path: '/v1/sites/{siteId}/chats',
    role: 'visitor',
    widget: true,
    // An unassigned chat is recorded with a ConditionCheck of the visitor's open-chat count.
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
    queries: ['queue'],
    summary: 'Start a chat: assigns an operator or records it unassigned',
  },
  {
    name: 'close-chat',
    method: 'POST',
    path: '/v1/sites/{siteId}/chats/{chatId}/close',
    role: 'chat-party',
    widget: true,
    table: ['GetItem', 'UpdateItem'],
    summary: "Close a chat (its operator's token, or the visitor's chatToken in the body)",
  },
  {
    name: 'rotate-operator-token',
    method: 'POST',
    path: '/v1/sites/{siteId}/operators/{operatorId}/token',
    role: 'admin',
    table: ['GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
    summary: "A new token for the operator; the old one stops working at once",
  },
  {
    name: 'rotate-admin-token',
    method: 'POST',
    path: '/v1/sites/{siteId}/admin-token',
    role: 'admin-or-platform',
    table: ['GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'],
    summary: "A new admin token for the site (the admin's or the platform's call); the old one stops working at once",
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
  table: ['GetItem'],
  summary: 'CORS preflight for the widget',
}));

export const ALL_ROUTES: readonly RouteDefinition[] = [...ROUTES, ...PREFLIGHT_ROUTES];

export function findRoute(name: string): RouteDefinition {
  const route = ROUTES.find((candidate) => candidate.name === name);
  if (!route) throw new Error(`No route named ${name}`);
  return route;
}
