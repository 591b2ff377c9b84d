import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiReply, type TestApi } from '../support/api.js';

/**
 * CORS of the chat start, whose Origin check rides on the settings the engine reads (no read of
 * the site of its own): the same replies as on every widget route, whatever the path through
 * the engine, the error, or an idempotent repeat.
 */

const PUBLIC_ORIGIN = 'https://chat.example.net';
const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

let api: TestApi;

interface TestSite {
  siteId: string;
  adminToken: string;
  tokens: Record<string, string>;
}

/** A site that allows the shop only, with operators (online unless said otherwise) and settings. */
async function shopSite(operators: { id: string; online?: boolean; groups?: string[] }[], settings: Record<string, unknown> = {}): Promise<TestSite> {
  const created = await api.call('POST', '/v1/sites', { token: api.platformToken, body: { name: 'Shop', allowedOrigins: [SHOP] } });
  expect(created.status).toBe(201);
  const { siteId, adminToken } = created.body as { siteId: string; adminToken: string };
  for (const group of new Set(operators.flatMap((operator) => operator.groups ?? []))) {
    expect((await api.call('PUT', `/v1/sites/${siteId}/groups/${group}`, { token: adminToken, body: { name: group } })).status).toBe(201);
  }
  const tokens: Record<string, string> = {};
  for (const { id, online = true, groups } of operators) {
    const put = await api.call('PUT', `/v1/sites/${siteId}/operators/${id}`, { token: adminToken, body: { name: id, ...(groups ? { groups } : {}) } });
    expect(put.status).toBe(201);
    tokens[id] = put.body.operatorToken;
    if (online) {
      expect((await api.call('PUT', `/v1/sites/${siteId}/operators/${id}/status`, { token: tokens[id], body: { status: 'online' } })).status).toBe(200);
    }
  }
  if (Object.keys(settings).length > 0) {
    expect((await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: settings })).status).toBe(200);
  }
  return { siteId, adminToken, tokens };
}

let site: TestSite;

beforeAll(async () => {
  process.env.PUBLIC_ORIGIN = PUBLIC_ORIGIN;
  api = await startTestApi({ isolated: true });
  site = await shopSite([{ id: 'op' }, { id: 'away', online: false }], { allowVisitorChoice: true });
});
afterAll(() => api?.close());

let visitors = 0;
const visitor = () => ({ visitorId: `v${(visitors += 1)}` });
const chatsPath = (siteId: string) => `/v1/sites/${siteId}/chats`;

function start(siteId: string, origin: string | undefined, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  return api.call('POST', chatsPath(siteId), {
    ...options,
    headers: { ...(origin ? { origin } : {}), ...(options.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
  });
}

function expectGranted(reply: ApiReply, status: number, code?: string) {
  expect([reply.status, reply.body?.error?.code]).toEqual([status, code]);
  expect(reply.headers.get('access-control-allow-origin')).toBe(SHOP);
  expect(reply.headers.get('access-control-expose-headers')).toBe('Retry-After');
  expect(reply.headers.get('vary')).toBe('Origin');
}

function expectRefused(reply: ApiReply) {
  expect([reply.status, reply.body?.error?.code]).toEqual([403, 'origin_not_allowed']);
  expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  expect(reply.headers.get('content-type')).toBe('application/json');
}

function expectNoGrant(reply: ApiReply, status: number) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('access-control-allow-origin')).toBeNull();
}

describe('an allowed origin is echoed on every reply of a chat start', () => {
  it('on 201 (assigned) and 202 (waiting, or unassigned with the queue off)', async () => {
    expectGranted(await start(site.siteId, SHOP, { body: visitor() }), 201);
    const nobody = await shopSite([{ id: 'op', online: false }]);
    const waiting = await start(nobody.siteId, SHOP, { body: visitor() });
    expectGranted(waiting, 202);
    expect(waiting.body.chat.status).toBe('waiting');
    const queueOff = await shopSite([], { queueEnabled: false });
    const unassigned = await start(queueOff.siteId, SHOP, { body: visitor() });
    expectGranted(unassigned, 202);
    expect(unassigned.body.chat.status).toBe('unassigned');
    // Any origin, when the list is empty.
    const open = await api.call('POST', '/v1/sites', { token: api.platformToken, body: { name: 'Open' } });
    const anywhere = await start(open.body.siteId, EVIL, { body: visitor() });
    expect(anywhere.status).toBe(202);
    expect(anywhere.headers.get('access-control-allow-origin')).toBe(EVIL);
  });

  it('on errors before the engine ran: 400 (bad body, bad JSON, bad header), 413, 415', async () => {
    expectGranted(await start(site.siteId, SHOP, { body: {} }), 400, 'invalid_request');
    expectGranted(await start(site.siteId, SHOP, { raw: '{"visitorId":' }), 400, 'invalid_request');
    expectGranted(await start(site.siteId, SHOP, { body: visitor(), headers: { 'idempotency-key': ' ' } }), 400, 'invalid_request');
    expectGranted(await start(site.siteId, SHOP, { raw: JSON.stringify({ visitorId: 'v', message: 'x'.repeat(70_000) }) }), 413, 'payload_too_large');
    expectGranted(await start(site.siteId, SHOP, { raw: 'visitorId=v', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
  });

  it('on errors of the engine: 404 (operator, group), 409, 403 visitor choice off, 422, 429', async () => {
    expectGranted(await start(site.siteId, SHOP, { body: { ...visitor(), operatorId: 'ghost' } }), 404, 'operator_not_found');
    expectGranted(await start(site.siteId, SHOP, { body: { ...visitor(), group: 'nope' } }), 404, 'group_not_found');
    expectGranted(await start(site.siteId, SHOP, { body: { ...visitor(), operatorId: 'away' } }), 409, 'operator_unavailable');
    const noChoice = await shopSite([{ id: 'op' }]);
    expectGranted(await start(noChoice.siteId, SHOP, { body: { ...visitor(), operatorId: 'op' } }), 403, 'visitor_choice_disabled');
    const key = { 'idempotency-key': `k-${visitors}` };
    expectGranted(await start(site.siteId, SHOP, { body: visitor(), headers: key }), 201);
    expectGranted(await start(site.siteId, SHOP, { body: visitor(), headers: key }), 422, 'idempotency_key_reused');
    const one = visitor();
    for (let i = 0; i < 3; i += 1) expectGranted(await start(site.siteId, SHOP, { body: one }), 201);
    expectGranted(await start(site.siteId, SHOP, { body: one }), 429, 'too_many_open_chats');
  });

  it('not on an unknown site (it has no origins to grant): 404, whatever the origin', async () => {
    expectNoGrant(await start('no-such-site', SHOP, { body: visitor() }), 404);
    expectNoGrant(await start('no-such-site', EVIL, { body: visitor() }), 404);
    expectNoGrant(await start('no-such-site', EVIL, { body: {} }), 400);
  });
});

describe('a disallowed origin is refused with 403, whatever else the request carries', () => {
  it('a bad body, bad JSON, a bad header, too large a body, another media type: 403 all the same', async () => {
    expectRefused(await start(site.siteId, EVIL, { body: {} }));
    expectRefused(await start(site.siteId, EVIL, { raw: '{"visitorId":' }));
    expectRefused(await start(site.siteId, EVIL, { body: visitor(), headers: { 'idempotency-key': ' ' } }));
    expectRefused(await start(site.siteId, EVIL, { raw: JSON.stringify({ visitorId: 'v', message: 'x'.repeat(70_000) }) }));
    expectRefused(await start(site.siteId, EVIL, { raw: 'visitorId=v', headers: { 'content-type': 'text/plain' } }));
    // A path that names no site is validation's to answer, as on every widget route.
    expectNoGrant(await start('bad!id', EVIL, { body: visitor() }), 400);
  });

  it('a valid request, by every way a chat would go, writes nothing (no chat, no idempotency record remembered)', async () => {
    const sites = {
      queue: site,
      random: await shopSite([{ id: 'op' }], { distribution: 'random' }),
      leastBusy: await shopSite([{ id: 'op' }], { distribution: 'least-busy' }),
      byDefault: await shopSite([{ id: 'op' }], { defaultOperators: { regular: 'op' } }),
      returning: await shopSite([{ id: 'op' }], { returningVisitorDays: 30 }),
      grouped: await shopSite([{ id: 'op', groups: ['sales'] }]),
      waiting: await shopSite([{ id: 'op', online: false }]),
      unassigned: await shopSite([{ id: 'op', online: false }], { queueEnabled: false }),
    };
    // The returning visitor had a chat before.
    expect((await start(sites.returning.siteId, SHOP, { body: { visitorId: 'back' } })).status).toBe(201);
    const requests: [TestSite, Record<string, unknown>][] = [
      [sites.queue, visitor()],
      [sites.queue, { ...visitor(), operatorId: 'op' }],
      [sites.queue, { ...visitor(), operatorId: 'ghost' }],
      [sites.queue, { ...visitor(), group: 'nope' }],
      [sites.random, visitor()],
      [sites.leastBusy, visitor()],
      [sites.byDefault, visitor()],
      [sites.returning, { visitorId: 'back' }],
      [sites.grouped, { ...visitor(), group: 'sales' }],
      [sites.waiting, { ...visitor(), message: 'Hello', contact: { email: 'a@example.com' } }],
      [sites.unassigned, visitor()],
    ];
    const before = await api.snapshot();
    for (const [{ siteId }, body] of requests) {
      expectRefused(await start(siteId, EVIL, { body }));
      expectRefused(await start(siteId, EVIL, { body, headers: { 'idempotency-key': 'refused-key' } }));
    }
    expect(await api.snapshot()).toBe(before);
    // The key was not remembered: another body under it is a new request, not a 422.
    expectGranted(await start(site.siteId, SHOP, { body: visitor(), headers: { 'idempotency-key': 'refused-key' } }), 201);
  });

  it('an idempotent repeat (the stored reply, no engine run) is refused too, and an allowed repeat gets the grant', async () => {
    const body = visitor();
    const headers = { 'idempotency-key': 'repeat-key' };
    const first = await start(site.siteId, SHOP, { body, headers });
    expectGranted(first, 201);
    expectRefused(await start(site.siteId, EVIL, { body, headers }));
    const again = await start(site.siteId, SHOP, { body, headers });
    expectGranted(again, 201);
    expect(again.text).toBe(first.text);
    // Without Origin, or from the service's own origin: the stored reply, with no grant.
    for (const origin of [undefined, api.url, PUBLIC_ORIGIN]) {
      const repeat = await start(site.siteId, origin, { body, headers });
      expectNoGrant(repeat, 201);
      expect(repeat.text).toBe(first.text);
    }
  });
});

describe('requests not from a foreign page are let in, with no grant', () => {
  it("the service's own origin: the configured public origin, or the host the request was sent to", async () => {
    for (const origin of [PUBLIC_ORIGIN, api.url, api.url.replace('localhost', 'LOCALHOST')]) {
      expectNoGrant(await start(site.siteId, origin, { body: visitor() }), 201);
      expectNoGrant(await start(site.siteId, origin, { body: {} }), 400);
      expectNoGrant(await start(site.siteId, origin, { body: visitor(), headers: { 'idempotency-key': `own-${visitors}` } }), 201);
    }
  });

  it('no Origin at all (server to server)', async () => {
    expectNoGrant(await start(site.siteId, undefined, { body: visitor() }), 201);
    expectNoGrant(await start(site.siteId, undefined, { body: {} }), 400);
    expectNoGrant(await start(site.siteId, undefined, { body: visitor(), headers: { 'idempotency-key': `none-${visitors}` } }), 201);
  });
});
