/**
 * The WebSocket API in the local stack: `ws` on the API's own server at /v1/live, each socket a
 * connection id, its frames handed to the same functions API Gateway invokes ($connect,
 * $default, $disconnect), and the functions' posts delivered through the local registry.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { localSockets } from '../../lib/live/local-push.js';
import { LIVE_PATH, MAX_FRAME_BYTES } from '../../lib/live/protocol.js';
import { SOCKET_ROUTES, type SocketRoute } from '../../lib/live/socket-routes.js';
import { lambdaContext, loadFunction } from './lambda-context.js';

type SocketHandler = (event: APIGatewayProxyWebsocketEventV2, context: unknown) => Promise<unknown>;

const routeFor = (routeKey: SocketRoute['routeKey']) => SOCKET_ROUTES.find((route) => route.routeKey === routeKey)!;

function socketEvent(connectionId: string, routeKey: string, body?: string): APIGatewayProxyWebsocketEventV2 {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      messageId: randomUUID(),
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      extendedRequestId: randomUUID(),
      requestTime: new Date(now).toISOString(),
      messageDirection: 'IN',
      stage: 'local',
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: randomUUID(),
      domainName: 'localhost',
      connectionId,
      apiId: 'local',
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyWebsocketEventV2;
}

export function attachLiveSocket(server: Server) {
  const registry = localSockets();
  let stopping = false;
  // A frame over the limit closes the socket (1009), as the contract allows; the handler refuses smaller oversized ones with a message.
  const sockets = new WebSocketServer({ server, path: LIVE_PATH, maxPayload: MAX_FRAME_BYTES + 1024 });
  const invoke = async (routeKey: SocketRoute['routeKey'], connectionId: string, body?: string) => {
    const { name } = routeFor(routeKey);
    const handler = await loadFunction<SocketHandler>(name);
    await handler(socketEvent(connectionId, routeKey, body), lambdaContext(name));
  };
  sockets.on('connection', (socket: WebSocket) => {
    const connectionId = randomUUID();
    // Frames wait for $connect to be recorded, as API Gateway routes none before it succeeds.
    let chain = Promise.resolve();
    const then = (step: () => Promise<void>) => {
      chain = chain.then(step).catch((error: unknown) => console.error('live socket: handler failed', error));
    };
    registry.register(connectionId, {
      send: (text) => socket.readyState === socket.OPEN && socket.send(text),
      close: (code, reason) => socket.close(code, reason),
    });
    then(() => invoke('$connect', connectionId));
    socket.on('message', (data, isBinary) => then(() => invoke('$default', connectionId, isBinary ? '' : data.toString('utf8'))));
    socket.on('close', () => {
      registry.unregister(connectionId);
      // The local server stopping (and its DynamoDB with it) is no client leaving.
      if (!stopping) then(() => invoke('$disconnect', connectionId));
    });
    socket.on('error', () => socket.terminate());
  });
  return {
    /** Drops every socket without calling their $disconnect. */
    stop() {
      stopping = true;
      for (const socket of sockets.clients) socket.terminate();
      sockets.close();
    },
  };
}
