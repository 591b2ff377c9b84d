import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import type { Principal, RouteRole } from '../domain/auth.js';
import type { Settings } from '../domain/model.js';
import type { Runtime } from '../runtime.js';
import type { SiteRecord } from '../store/port.js';
import type { QueryTarget, TableAction } from '../store/table.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The parameter names of a path template: '/v1/sites/{siteId}/chats/{chatId}' → 'siteId' | 'chatId'. */
export type PathParameterNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParameterNames<Rest>
  : never;

/** What a route accepts, part by part; a part without a schema is refused when sent (body) or passed (query). */
export interface RequestSchemas {
  path?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Checks on the (lower-cased) headers the route reads; other headers pass. */
  headers?: z.ZodType;
}

/** A path with parameters must have a schema that names each of them: anything else is a type error. */
type PathRequirement<P extends string> = [PathParameterNames<P>] extends [never]
  ? { path?: undefined }
  : { path: z.ZodType<{ [K in PathParameterNames<P>]: string }> };

/** The success replies of a route by status: the schema of the body, or null for no body. */
export type ResponseSchemas = Readonly<Record<number, z.ZodType | null>>;

/** A reply the route documents: one of its statuses with a body of that status's schema. */
export type ReplyOf<R extends ResponseSchemas> = {
  [S in keyof R & number]: {
    statusCode: S;
    body: R[S] extends z.ZodType ? z.input<R[S]> : undefined;
    headers?: Record<string, string>;
  };
}[keyof R & number];

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route's `handle` gets: the validated request parts, typed by the route's own schemas. */
export interface RouteInput<Q extends RequestSchemas> {
  path: Parsed<Q['path']>;
  query: Parsed<Q['query']>;
  body: Parsed<Q['body']>;
  headers: Parsed<Q['headers']>;
  /** The bearer token's owner; null without a token (routes open to visitors read none). */
  principal: Principal | null;
  /** On `chat-reader` routes, a bearer token no one owns (the engine compares it with the chat's token). */
  bearer: string | undefined;
  /** The site, read once for CORS on widget routes (not on those that check the Origin themselves). */
  site: Pick<SiteRecord, 'settings'> | null | undefined;
  /** On a route that checks the Origin itself (`originCheckedByHandler`): what its use case checks, and where it hands the settings. */
  origin: OriginCheck | undefined;
  /** The raw bytes of a binary body (the avatar upload). */
  rawBody: Buffer | undefined;
  context: Context;
  rt: Runtime;
}

/** The Origin check a route's use case makes (see `originCheckedByHandler`). */
export interface OriginCheck {
  /** The Origin the site's allowedOrigins must allow; undefined when none must (no Origin header, or the service's own). */
  readonly mustAllow: string | undefined;
  /** Takes the settings the check used (before it throws, too): the reply's CORS headers come from them, with no read. */
  readonly onSettings: (settings: Settings) => void;
}

/**
 * What a route's function may do to AWS, declared next to the code that does it; the CDK stack
 * grants exactly this and test/infra/grants.test.ts proves it against what the function sends.
 * The platform token's secret is granted by the role (see roleAdmitsPlatform).
 */
export interface Grants {
  /** Actions on the main table (a transaction needs the action of each of its parts). */
  table: readonly TableAction[];
  /** With 'Query' in `table`: what it queries, the base table or an index. */
  queries?: readonly QueryTarget[];
  /** Reads and writes Powertools Idempotency records. */
  idempotency?: boolean;
  /** Writes avatars to the assets bucket, under the site's own prefix. */
  avatars?: boolean;
  /** Sends messages to the deadline queue (SQS). */
  deadlines?: boolean;
  /** The webhook queue: sends events to it (`publish`), or delays a failed delivery's retry (`deliver`). */
  webhooks?: 'publish' | 'deliver';
  /** Reads the key the sites' webhook signing secrets are derived from (Secrets Manager). */
  webhookKey?: boolean;
  /** The WebSocket API's connections (execute-api:ManageConnections): posts to them (`post`), or posts and closes them (`manage`). */
  live?: 'post' | 'manage';
}

interface RouteFields<P extends string, Q extends RequestSchemas, R extends ResponseSchemas> {
  /** The Lambda entry that serves it: functions/<name>.ts. */
  readonly name: string;
  readonly method: HttpMethod;
  /** API Gateway path template, e.g. /v1/sites/{siteId}/chats. */
  readonly path: P;
  readonly role: RouteRole;
  /** Called by the widget from other origins: CORS by the site's allowedOrigins. */
  readonly widget?: boolean;
  /**
   * On a widget route: its use case holds the Origin to the settings it reads anyway (see
   * RouteInput.origin), so CORS costs no read of the site when it ran; the site is read only
   * for an error that came before, or a reply the use case did not make (an idempotent repeat).
   */
  readonly originCheckedByHandler?: boolean;
  /** The body is raw bytes (the avatar upload), not JSON. */
  readonly binaryBody?: boolean;
  readonly summary: string;
  readonly request: Q;
  readonly responses: R;
  readonly grants: Grants;
  /** One call into lib/: the use case, with the reply it documents. */
  handle(input: RouteInput<Q>): Promise<ReplyOf<R>>;
}

/** What the stack deploys and the local server serves: a route, or a CORS preflight answer. */
export interface Endpoint {
  readonly name: string;
  readonly method: HttpMethod | 'OPTIONS';
  readonly path: string;
  readonly role: RouteRole;
  readonly widget?: boolean;
  readonly grants: Grants;
}

/** A route as the stack, the local server, the OpenAPI document and the tests see it. */
export interface Route extends Omit<RouteFields<string, RequestSchemas, ResponseSchemas>, 'handle'> {
  // Method syntax: a route's own, narrower input type is accepted here.
  handle(input: RouteInput<RequestSchemas>): Promise<{ statusCode: number; body?: unknown; headers?: Record<string, string> }>;
}

/**
 * Defines a route in one place: method, path, role, the schemas of its request and of each
 * reply, its grants and its handler, whose input is typed by the schemas (no casts).
 */
export function defineRoute<
  const P extends string,
  const Q extends RequestSchemas & PathRequirement<P>,
  const R extends ResponseSchemas,
>(route: RouteFields<P, Q, R>): RouteFields<P, Q, R> {
  return route;
}

export const ok = <T>(body: T) => ({ statusCode: 200 as const, body });
export const created = <T>(body: T) => ({ statusCode: 201 as const, body });
export const noContent = () => ({ statusCode: 204 as const, body: undefined });
export const accepted = <T>(body: T) => ({ statusCode: 202 as const, body });
