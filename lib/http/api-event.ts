import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../domain/auth.js';
import type { SiteRecord } from '../store/port.js';

/** The API Gateway v2 event, with what the middlewares found out about the request. */
export interface ApiEvent extends APIGatewayProxyEventV2 {
  /** The bearer token's owner; null when the request carried none. */
  principal?: Principal | null;
  /** On `chat-reader` routes, a bearer token no one owns: perhaps the chat's own token. */
  bearer?: string;
  /**
   * The site, for widget routes: read once for CORS (and handed to the handler), or its settings
   * as a route that checks the Origin itself read them; null when unknown or refused.
   */
  site?: Pick<SiteRecord, 'settings'> | null;
  /** The parsed JSON body; undefined when there was none. */
  jsonBody?: unknown;
  /** The raw body bytes, for binary routes. */
  rawBody?: Buffer;
}
