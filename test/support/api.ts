import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, inject } from 'vitest';
import { ensureTable } from '../../infra/local/dynamodb-local.js';
import { startLocalEvents } from '../../infra/local/events.js';
import { startLocalServer, type StaticMount } from '../../infra/local/server.js';
import { errorObject } from '../../lib/http/response-schemas.js';
import { ROUTES } from '../../lib/routes/index.js';
import { testDocumentClient } from './engine.js';

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as it is (bytes or text), with the given content-type. */
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

export interface ApiReply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

function routeOf(method: string, path: string) {
  const pathname = path.split('?')[0]!;
  return ROUTES.find(
    (route) =>
      route.method === method && new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(pathname),
  );
}

/** Every reply must match what the OpenAPI document says of that route and status. */
function checkAgainstContract(method: string, path: string, reply: ApiReply) {
  if (reply.status >= 400) {
    expect(errorObject.safeParse(reply.body).success, `error reply shape: ${reply.text}`).toBe(true);
    return;
  }
  const route = routeOf(method, path);
  if (!route) return;
  const schemas = route.responses ?? {};
  expect(Object.keys(schemas), `${route.name} documents status ${reply.status}`).toContain(String(reply.status));
  const schema = schemas[reply.status];
  if (schema) {
    const parsed = schema.safeParse(reply.body);
    expect(parsed.success, `${route.name} ${reply.status} reply matches its schema: ${parsed.error?.message}`).toBe(true);
  } else {
    expect(reply.text).toBe('');
  }
}

/**
 * The real local server (the same handlers and route table as in AWS), started in this test
 * file's process on a free port. `isolated` gives it tables of its own, for tests that compare
 * the whole table before and after.
 */
export async function startTestApi(
  options: {
    isolated?: boolean;
    statics?: StaticMount[];
    dispatcher?: boolean;
    /** Where the handlers send DynamoDB requests (a recording proxy in front of DynamoDB Local, to count them); DynamoDB Local itself by default. */
    handlerDynamoEndpoint?: string;
  } = {},
) {
  const endpoint = inject('dynamoEndpoint');
  const suffix = randomUUID();
  const tableName = options.isolated ? `api-${suffix}` : inject('tableName');
  const idempotencyTableName = options.isolated ? `api-idem-${suffix}` : inject('idempotencyTableName');
  // Only a table the dispatcher reads needs its stream (DynamoDB Local writes it in every write).
  await ensureTable(endpoint, tableName, idempotencyTableName, { stream: Boolean(options.dispatcher) });
  const platformToken = randomBytes(32).toString('base64url');
  const avatarDir = mkdtempSync(join(tmpdir(), 'avatars-'));
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    IDEMPOTENCY_TABLE_NAME: idempotencyTableName,
    DYNAMODB_ENDPOINT: options.handlerDynamoEndpoint ?? endpoint,
    PLATFORM_TOKEN: platformToken,
    AVATAR_DIR: avatarDir,
    AVATAR_BASE_URL: '/avatars',
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
    AWS_REGION: 'local',
    WEBHOOK_SIGNING_KEY: randomBytes(32).toString('base64url'),
    LOCAL_WEBHOOKS: 'true',
  });
  const server = await startLocalServer({
    port: 0,
    statics: [{ prefix: '/avatars', folder: avatarDir }, ...(options.statics ?? [])],
  });
  // The dispatcher of waiting chats on the table's stream, as `npm start` runs it (an isolated
  // table: on the shared one it would dispatch the other test files' sites too).
  if (options.dispatcher && !options.isolated) throw new Error('the dispatcher needs an isolated table');
  const events = options.dispatcher ? await startLocalEvents({ endpoint, tableName }) : undefined;
  const base = server.url;
  const doc = testDocumentClient();

  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${base}${path}`, { method, headers, body: body as never });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    const reply = { status: response.status, headers: response.headers, body: parsed as T, text };
    checkAgainstContract(method, path, reply);
    return reply;
  }

  /** Every item of both tables, for "nothing was written" checks. */
  async function snapshot(): Promise<string> {
    const items: unknown[] = [];
    for (const name of [tableName, idempotencyTableName]) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: name, ExclusiveStartKey: cursor, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }
    return JSON.stringify(items.map((item) => JSON.stringify(item)).sort());
  }

  async function close() {
    await events?.stop();
    await server.close();
  }

  return { url: base, platformToken, call, snapshot, close, tableName, doc, events };
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

/** A site with operators created through the API, optionally online; tokens included. */
export async function apiSite(api: TestApi, operators: string[] = [], options: { online?: boolean; maxChats?: number } = {}) {
  const site = await api.call('POST', '/v1/sites', { token: api.platformToken, body: { name: 'Site' } });
  expect(site.status).toBe(201);
  const { siteId, adminToken } = site.body as { siteId: string; adminToken: string };
  const tokens: Record<string, string> = {};
  for (const id of operators) {
    const created = await api.call('PUT', `/v1/sites/${siteId}/operators/${id}`, {
      token: adminToken,
      body: { name: `Operator ${id}`, ...(options.maxChats ? { maxChats: options.maxChats } : {}) },
    });
    expect(created.status).toBe(201);
    tokens[id] = created.body.operatorToken;
    if (options.online !== false) {
      const online = await api.call('PUT', `/v1/sites/${siteId}/operators/${id}/status`, {
        token: tokens[id],
        body: { status: 'online' },
      });
      expect(online.status).toBe(200);
    }
  }
  return { siteId, adminToken, tokens };
}
