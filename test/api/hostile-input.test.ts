import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type Route as RouteDefinition } from '../../lib/routes/index.js';
import { apiSite, startTestApi, type CallOptions, type TestApi } from '../support/api.js';

let api: TestApi;
let site: Awaited<ReturnType<typeof apiSite>>;
let chatId: string;

beforeAll(async () => {
  api = await startTestApi({ isolated: true });
  site = await apiSite(api, ['a1']);
  const chat = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v' } });
  chatId = chat.body.chat.id;
});
afterAll(() => api.close());

interface Hostile {
  label: string;
  method: string;
  path: string;
  options: CallOptions;
}

function tokenFor(route: RouteDefinition): string | undefined {
  if (route.role === 'platform') return api.platformToken;
  if (route.role === 'admin') return site.adminToken;
  if (route.role === 'operator' || route.role === 'chat-party') return site.tokens.a1;
  // The admin may read any chat and the site's queue; accept and transfer check the operator after validation.
  if (route.role === 'chat-reader' || route.role === 'site-member') return site.adminToken;
  return undefined;
}

function pathFor(route: RouteDefinition, overrides: Record<string, string> = {}) {
  return route.path
    .replace('{siteId}', overrides.siteId ?? site.siteId)
    .replace('{operatorId}', overrides.operatorId ?? 'a1')
    .replace('{chatId}', overrides.chatId ?? chatId);
}

const BAD_JSON = ['{', '[', '{"name":', '{"name": "x",}', "{'name': 'x'}", 'nul', '{"a":1}{"b":2}', '\u0000', '{"name":"\ud800"'];
const NOT_OBJECTS = ['null', '"text"', '123', 'true', '[]', '[{"name":"x"}]'];
const ODD_IDS = ['%00', '..', 'a%2Fb', 'x'.repeat(65), 'é', '%22%3E%3Cscript%3E', 'a%20b', '%25', 'a.b', 'a:b', '*', '%E2%80%AE'];

/** Field values of every wrong kind, for each JSON field the routes accept. */
const WRONG_VALUES: unknown[] = [null, 123, -1, 1.5, true, [], ['x'], {}, { $gt: '' }, 'x'.repeat(5000), ''];
/** Values among WRONG_VALUES that the contract accepts for that field. */
const VALID_AFTER_ALL: Record<string, unknown[]> = {
  allowedOrigins: [[]],
  allowVisitorChoice: [true],
  maxChats: [null, 123],
  heartbeatTimeoutSeconds: [123],
  defaultOperators: [{}],
  avatarUrl: [null],
  sharedAvatarUrl: [null],
  fallbackAfterSeconds: [null, 123],
};
const FIELDS_BY_ROUTE: Record<string, Record<string, unknown>> = {
  'create-site': { name: 'ok', allowedOrigins: ['https://a.example'] },
  'update-settings': {
    distribution: 'queue',
    allowVisitorChoice: true,
    heartbeatTimeoutSeconds: 60,
    defaultOperators: { regular: 'a1' },
    sharedAvatarUrl: '/x.png',
  },
  'put-operator': { name: 'ok', maxChats: 2, avatarUrl: '/a.png' },
  'set-operator-status': { status: 'online' },
  'start-chat': { visitorId: 'v', clientType: 'regular', operatorId: 'a1' },
  'close-chat': { chatToken: 'x' },
  'post-message': { text: 'Hello' },
  'transfer-chat': { operatorId: 'a1' },
  'put-group': { name: 'Sales', fallbackAfterSeconds: 30 },
};

function hostileRequests(): Hostile[] {
  const requests: Hostile[] = [];
  const add = (label: string, route: RouteDefinition, options: CallOptions, path = pathFor(route), method: string = route.method) =>
    requests.push({ label: `${route.name}: ${label}`, method, path, options: { token: tokenFor(route), ...options } });

  for (const route of ROUTES) {
    const json = { 'content-type': 'application/json' };
    const takesJson = route.name in FIELDS_BY_ROUTE;
    if (route.method !== 'GET' || takesJson) {
      for (const text of BAD_JSON) add(`bad JSON ${JSON.stringify(text)}`, route, { raw: text, headers: json });
      for (const text of NOT_OBJECTS) add(`JSON ${text}`, route, { raw: text, headers: json });
      add('JSON as text/plain', route, { raw: '{"name":"x"}', headers: { 'content-type': 'text/plain' } });
      add('JSON without content-type', route, { raw: '{"name":"x"}' });
      add('oversized body', route, { raw: JSON.stringify({ name: 'x'.repeat(70 * 1024) }), headers: json });
    }
    const fields = FIELDS_BY_ROUTE[route.name];
    if (fields) {
      add('unknown field', route, { body: { ...fields, unexpected: 1 } });
      add('prototype pollution', route, { raw: `{"__proto__": {"admin": true}, ${JSON.stringify(fields).slice(1)}`, headers: json });
      for (const field of Object.keys(fields)) {
        for (const value of WRONG_VALUES) {
          if (VALID_AFTER_ALL[field]?.some((valid) => JSON.stringify(valid) === JSON.stringify(value))) continue;
          add(`${field} = ${JSON.stringify(value).slice(0, 20)}`, route, { body: { ...fields, [field]: value } });
        }
      }
    }
    for (const name of ['siteId', 'operatorId', 'chatId'].filter((param) => route.path.includes(`{${param}}`))) {
      for (const odd of ODD_IDS) add(`${name} ${odd}`, route, { body: fields }, pathFor(route, { [name]: odd }));
    }
    add('wrong method PATCH', route, { body: fields }, pathFor(route), 'PATCH');
  }
  const stats = ROUTES.find((route) => route.name === 'get-stats')!;
  for (const query of ['from=tomorrow', 'to=2026-13-45', 'from=1&to=2', 'from[]=x', 'limit=5', 'from=2026-01-01&from=2026-02-01']) {
    add(`query ${query}`, stats, {}, `${pathFor(stats)}?${query}`);
  }
  const start = ROUTES.find((route) => route.name === 'start-chat')!;
  for (const key of ['x'.repeat(200), 'a b', 'a\tb', '']) {
    add(`Idempotency-Key ${JSON.stringify(key).slice(0, 12)}`, start, {
      body: { visitorId: 'v' },
      headers: { 'idempotency-key': key },
    });
  }
  const avatar = ROUTES.find((route) => route.name === 'upload-avatar')!;
  for (const [raw, type] of [
    ['GIF8', 'image/gif'],
    ['<svg onload=alert(1)>', 'image/svg+xml'],
    ['\x89PNG', 'image/png'],
    ['RIFF....WEBQ', 'image/webp'],
    ['', 'image/png'],
  ] as const) {
    add(`avatar ${type} ${JSON.stringify(raw)}`, avatar, { raw, headers: { 'content-type': type } });
  }
  return requests;
}

describe('hostile and malformed requests', () => {
  it('never answer 5xx, always answer a JSON error, and write nothing', async () => {
    const requests = hostileRequests();
    expect(requests.length).toBeGreaterThanOrEqual(200);
    const before = await api.snapshot();
    const statuses = new Map<number, number>();
    for (let start = 0; start < requests.length; start += 8) {
      await Promise.all(
        requests.slice(start, start + 8).map(async (request) => {
          const reply = await api.call(request.method, request.path, request.options);
          expect(reply.status, `${request.label} -> ${reply.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          expect(reply.status, request.label).toBeLessThan(500);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        }),
      );
    }
    expect(await api.snapshot()).toBe(before);
    // The barrage reaches validation, not only the router: most answers are 400s.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(requests.length / 2);
  });
});

describe('text DynamoDB could not store, and keys JavaScript treats specially', () => {
  it('refuses a lone surrogate in names, avatar URLs, origins and chat tokens, and takes __proto__ as an unknown parameter', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    const before = await api.snapshot();
    const refusals = [
      await api.call('PUT', `/v1/sites/${siteId}/operators/x`, { token: adminToken, raw: '{"name":"a\\ud800"}', headers: { 'content-type': 'application/json' } }),
      await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, raw: '{"sharedAvatarUrl":"/a\\udc00.png"}', headers: { 'content-type': 'application/json' } }),
      await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { allowedOrigins: ['https://bücher.example'] } }),
      await api.call('GET', `/v1/sites/${siteId}/stats?__proto__=%7B%7D`, { token: adminToken }),
    ];
    for (const reply of refusals) {
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    }
    expect(await api.snapshot()).toBe(before);
  });
});
