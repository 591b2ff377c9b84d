import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedCall } from '../support/recording-aws.js';

/** The IAM action of every call to a WebSocket API's Management API (PostToConnection, DeleteConnection, GetConnection). */
export const MANAGE_CONNECTIONS = 'execute-api:ManageConnections';

/** The Management API operation of each HTTP method on /@connections/{id}. */
const OPERATION_OF: Record<string, string> = { POST: 'PostToConnection', DELETE: 'DeleteConnection', GET: 'GetConnection' };

export interface RecordingLiveOptions {
  region: string;
  account: string;
  /** The WebSocket API's id and stage, as the ARNs name them (the endpoint is http://127.0.0.1:<port>/<stage>). */
  apiId: string;
  stage: string;
  /** Where each request is recorded, as the recording AWS endpoint records its own (test/support/recording-aws.ts). */
  calls: RecordedCall[];
  /** The function requests are made under now (undefined outside any). */
  currentFn: () => string | undefined;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A WebSocket API's Management API for the functions' ApiGatewayManagementApiClient (pointed at
 * it by LIVE_MANAGEMENT_ENDPOINT, as the stack points them at the stage's callback URL): each
 * PostToConnection and DeleteConnection is recorded with the IAM action and the ARN it needs
 * (arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/@connections/<id>),
 * attributed to the current function. Posts are kept per connection; a connection that is gone
 * (never opened here, closed by a DeleteConnection, or `vanish`ed as a client that left without
 * a word) answers 410 GoneException, as API Gateway does.
 */
export async function startRecordingLive(options: RecordingLiveOptions) {
  const open = new Set<string>();
  const posted = new Map<string, object[]>();
  const deleted: string[] = [];

  function json(res: ServerResponse, status: number, body: unknown, errorType?: string) {
    res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    const url = new URL(req.url ?? '/', 'http://live.local');
    const match = /^\/([^/]+)\/@connections\/([^/]+)$/.exec(url.pathname);
    const method = req.method ?? 'GET';
    const stage = match?.[1];
    const connectionId = match ? decodeURIComponent(match[2]!) : '';
    const call: RecordedCall = {
      fn: options.currentFn(),
      operation: `execute-api:${OPERATION_OF[method] ?? `${method} ${url.pathname}`}`,
      needs: [
        {
          action: MANAGE_CONNECTIONS,
          resource: `arn:aws:execute-api:${options.region}:${options.account}:${options.apiId}/${stage ?? '?'}/${method}/@connections/${connectionId}`,
        },
      ],
      input: { ConnectionId: connectionId, ...(body.length > 0 ? { Data: body.toString('utf8') } : {}) },
    };
    options.calls.push(call);
    if (!match || stage !== options.stage || !OPERATION_OF[method] || method === 'GET') {
      call.status = 400;
      return json(res, 400, { message: `${method} ${url.pathname} is not served here` }, 'BadRequestException');
    }
    if (!open.has(connectionId)) {
      call.status = 410;
      return json(res, 410, { message: 'Gone' }, 'GoneException');
    }
    call.status = 200;
    if (method === 'POST') {
      posted.set(connectionId, [...(posted.get(connectionId) ?? []), JSON.parse(body.toString('utf8')) as object]);
      res.writeHead(200);
      return res.end();
    }
    open.delete(connectionId);
    deleted.push(connectionId);
    res.writeHead(204);
    res.end();
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) }, 'InternalServerErrorException');
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** For LIVE_MANAGEMENT_ENDPOINT (the stage's callback URL in AWS). */
    endpoint: `${origin}/${options.stage}`,
    /** A client connected (API Gateway then invokes $connect with its id). */
    connect(connectionId: string) {
      open.add(connectionId);
    },
    /** The client went away without API Gateway telling anyone yet: posts to it are 410 from now on. */
    vanish(connectionId: string) {
      open.delete(connectionId);
    },
    isOpen: (connectionId: string) => open.has(connectionId),
    /** What was posted to the connection, oldest first. */
    posts: (connectionId: string): any[] => posted.get(connectionId) ?? [],
    /** The connections closed by DeleteConnection, in order. */
    deleted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type RecordingLive = Awaited<ReturnType<typeof startRecordingLive>>;
