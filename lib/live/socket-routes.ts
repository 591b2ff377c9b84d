import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { closeLiveConnection, openLiveConnection, receiveLiveFrame } from '../engine/live.js';
import { logger } from '../http/logger.js';
import type { Grants } from '../http/route.js';
import { runtime, type Runtime } from '../runtime.js';
import { AUTH_TIMEOUT_MS } from './protocol.js';

/** A route of the WebSocket API: its route key, the function that serves it, and what that function may do. */
export interface SocketRoute {
  readonly name: string;
  readonly routeKey: '$connect' | '$disconnect' | '$default';
  readonly grants: Grants;
  handle(rt: Runtime, connectionId: string, body: string): Promise<void>;
}

/**
 * The WebSocket API, one line a route; the CDK stack and the local server both read it. Each
 * connection is recorded when it opens and given 10 seconds (a deadline) to authenticate; its
 * first message must be the auth; its records are removed when it closes.
 */
export const SOCKET_ROUTES: readonly SocketRoute[] = [
  {
    name: 'live-connect',
    routeKey: '$connect',
    grants: { table: ['PutItem'], deadlines: true },
    async handle({ deps }, connectionId) {
      await openLiveConnection(deps, connectionId);
      const nowMs = deps.clock();
      await deps.deadlines.schedule({ kind: 'live-auth', connectionId, dueAtMs: nowMs + AUTH_TIMEOUT_MS }, nowMs);
    },
  },
  {
    name: 'live-message',
    routeKey: '$default',
    // The token's owner, or the chat (a chat token); the connection and its subscription in one transaction.
    grants: { table: ['GetItem', 'UpdateItem', 'PutItem'], live: 'manage' },
    handle: ({ deps, live }, connectionId, body) => receiveLiveFrame(deps, live, connectionId, body),
  },
  {
    name: 'live-disconnect',
    routeKey: '$disconnect',
    grants: { table: ['DeleteItem'] },
    handle: ({ deps }, connectionId) => closeLiveConnection(deps, connectionId),
  },
];

export function socketHandler(route: SocketRoute) {
  return middy<APIGatewayProxyWebsocketEventV2, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      await route.handle(runtime(), event.requestContext.connectionId, event.body ?? '');
      return { statusCode: 200 };
    });
}

export const socketRoute = (name: string) => SOCKET_ROUTES.find((route) => route.name === name)!;
