import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, posix, resolve, sep } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError, invalidRequest } from '../../lib/domain/errors.js';
import { errorBody } from '../../lib/http/middleware/error-envelope.js';
import type { Endpoint } from '../../lib/http/route.js';
import { ENDPOINTS } from '../../lib/routes/index.js';
import { WEB_HEADERS, webResourceKind } from '../web-headers.js';
import { lambdaContext, loadFunction } from './lambda-context.js';
import { attachLiveSocket } from './live-socket.js';
import { limitsOf } from '../../lib/function-limits.js';

/** API Gateway's own payload limit; the handlers enforce the contract's smaller ones. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute {
  route: Endpoint;
  pattern: RegExp;
  names: string[];
}

function compile(route: Endpoint): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
      names.push(parameter[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

const COMPILED = ENDPOINTS.map(compile);

/** Anything else is application/octet-stream, which (with nosniff) a browser only downloads. */
const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface StaticMount {
  /** URL prefix, e.g. /avatars */
  prefix: string;
  folder: string;
  /** Served for the prefix itself (e.g. index.html). */
  index?: string;
}

export interface LocalServerOptions {
  /** 0 for a free port. The server listens on every local interface (IPv6 and IPv4). */
  port: number;
  /** Folders served as they are (avatars, web assets). */
  statics?: StaticMount[];
}

/** An error reply of the local server's own (no route, wrong method...), from the shared catalogue. */
function jsonError(res: ServerResponse, error: DomainError) {
  res.writeHead(error.statusCode, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', ...error.headers });
  res.end(errorBody(error.code, error.message));
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The event API Gateway (HTTP API, payload 2.0) would send for this request. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  route: Endpoint,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  // No prototype: a header or parameter named __proto__ is a key like any other, as in API Gateway.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const textual = /^(application\/json|text\/)/i.test(contentType) || body.length === 0;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: req.headers.cookie ? req.headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString(textual ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: !textual,
  };
}

const loadHandler = (name: string) => loadFunction<LambdaHandler>(name);

/**
 * A file of the first mount that has it, with its type and the headers of its kind (see
 * infra/web-headers.ts, which CloudFront's policies follow too), by the path as decoded: nosniff
 * on everything; console and admin with a strict CSP and never framed; avatars as a sandbox; the
 * rest (the demo page, which stands for a customer's page, and widget.js) embeddable and loadable
 * from any site.
 */
async function serveStatic(res: ServerResponse, pathname: string, mounts: StaticMount[]): Promise<boolean> {
  for (const mount of mounts) {
    const isPrefix = pathname === mount.prefix || pathname.startsWith(`${mount.prefix === '/' ? '' : mount.prefix}/`);
    if (!isPrefix) continue;
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(mount.prefix === '/' ? 0 : mount.prefix.length));
    } catch {
      return false; // not a valid URL encoding: no such file
    }
    if ((relative === '' || relative === '/') && mount.index) relative = mount.index;
    const root = resolve(mount.folder);
    let file = resolve(join(root, normalize(relative)));
    if (file !== root && !file.startsWith(root + sep)) continue;
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info?.isFile()) continue;
    res.writeHead(200, {
      ...WEB_HEADERS[webResourceKind(posix.join(mount.prefix, posix.normalize(`/${relative}`)))],
      'Content-Type': STATIC_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
    return true;
  }
  return false;
}

async function dispatch(req: IncomingMessage, res: ServerResponse, options: LocalServerOptions) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const matches = COMPILED.map((compiled) => ({ compiled, match: compiled.pattern.exec(url.pathname) })).filter(
    (candidate) => candidate.match,
  );
  if (matches.length === 0) {
    if ((method === 'GET' || method === 'HEAD') && (await serveStatic(res, url.pathname, options.statics ?? []))) return;
    return jsonError(res, new DomainError('not_found'));
  }
  const found = matches.find((candidate) => candidate.compiled.route.method === method);
  if (!found) {
    const allowed = [...new Set(matches.map((candidate) => candidate.compiled.route.method))].join(', ');
    return jsonError(res, new DomainError('method_not_allowed', `Use ${allowed} on this path.`, { Allow: allowed }));
  }
  const body = await readBody(req);
  if (body === 'too-large') return jsonError(res, new DomainError('payload_too_large'));
  const { route, names } = found.compiled;
  let pathParameters: Record<string, string>;
  try {
    pathParameters = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found.match![i + 1]!)]));
  } catch {
    return jsonError(res, invalidRequest('path: not a valid URL encoding'));
  }
  const event = toApiGatewayEvent(req, url, route, pathParameters, body);
  const handler = await loadHandler(route.name);
  const result = await withinTimeout(handler(event, lambdaContext(route.name)), limitsOf(route.name).timeoutSeconds * 1000);
  // API Gateway answers for a function that ran out of time (its invocation is cut off; here it runs on, unheard).
  if (result === 'timed-out') return jsonError(res, new DomainError('service_unavailable'));
  const responseBody = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  // Like API Gateway, drop headers a middleware unset (e.g. Server: undefined).
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).filter(([, value]) => value !== undefined));
  res.writeHead(result.statusCode ?? 200, {
    ...headers,
    ...(responseBody ? { 'Content-Length': String(responseBody.length) } : {}),
  });
  res.end(responseBody);
}

/** The handler's reply, or 'timed-out' after the function's timeout, as Lambda would cut it off. */
async function withinTimeout<T>(running: Promise<T>, timeoutMs: number): Promise<T | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Serves the API (and static folders) through the real handlers, as API Gateway would call them. */
export function startLocalServer(options: LocalServerOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    dispatch(req, res, options).catch((error: unknown) => {
      console.error('local server: unhandled error', error);
      if (!res.headersSent) jsonError(res, new DomainError('internal_error'));
      else res.end();
    });
  });
  const live = attachLiveSocket(server);
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        server,
        url: `http://localhost:${port}`,
        close: () =>
          new Promise<void>((resolveClose) => {
            live.stop();
            server.closeAllConnections();
            server.close(() => resolveClose());
          }),
      });
    });
  });
}
