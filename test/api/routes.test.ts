import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lib/routes/index.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { IMAGES } from '../support/images.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const PNG = IMAGES.png;
const JPEG = IMAGES.jpeg;

describe('open routes', () => {
  it('answers health', async () => {
    const reply = await api.call('GET', '/v1/health');
    expect(reply).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('describes every route of the route table in its OpenAPI document', async () => {
    const reply = await api.call('GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toMatch(/^3\./);
    for (const route of ROUTES) {
      expect(reply.body.paths[route.path]?.[route.method.toLowerCase()]?.operationId, `${route.method} ${route.path}`).toBe(
        route.name,
      );
    }
    expect(reply.body.paths['/v1/sites'].post.requestBody.content['application/json'].schema.required).toEqual(['name']);
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    expect((await api.call('GET', '/v1/nowhere')).status).toBe(404);
    const wrongMethod = await api.call('DELETE', '/v1/health');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });
});

describe('sites and settings', () => {
  it('creates a site with the platform token and returns the default settings to its admin', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body).toEqual({
      siteId,
      name: 'Site',
      allowedOrigins: [],
      distribution: 'queue',
      defaultOperators: { regular: null, target: null },
      allowVisitorChoice: false,
      sharedAvatarUrl: null,
      heartbeatTimeoutSeconds: 90,
      maxOpenChatsPerVisitor: 3,
      queueEnabled: true,
      maxWaitingChats: null,
      maxWaitSeconds: 600,
      returningVisitorDays: null,
      answerTimeoutSeconds: null,
      awayAfterMisses: null,
      language: 'en',
      webhookUrl: null,
      retentionDays: 90,
    });
  });

  it('refuses a site without the platform token, or with a bad body', async () => {
    expect((await api.call('POST', '/v1/sites', { body: { name: 'x' } })).status).toBe(401);
    const { adminToken } = await apiSite(api);
    expect((await api.call('POST', '/v1/sites', { token: adminToken, body: { name: 'x' } })).status).toBe(403);
    const missing = await api.call('POST', '/v1/sites', { token: api.platformToken, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^body\.name/);
    const badOrigin = await api.call('POST', '/v1/sites', {
      token: api.platformToken,
      body: { name: 'x', allowedOrigins: ['not an origin'] },
    });
    expect(badOrigin.status).toBe(400);
    expect(badOrigin.body.error.message).toMatch(/^body\.allowedOrigins\.0/);
  });

  it('updates settings partially and validates every field', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    const path = `/v1/sites/${siteId}/settings`;
    const updated = await api.call('PUT', path, {
      token: adminToken,
      body: { distribution: 'random', allowVisitorChoice: true, defaultOperators: { target: 'a' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      distribution: 'random',
      allowVisitorChoice: true,
      defaultOperators: { regular: null, target: 'a' },
      name: 'Site',
    });
    for (const [body, field] of [
      [{ heartbeatTimeoutSeconds: 4 }, 'heartbeatTimeoutSeconds'],
      [{ heartbeatTimeoutSeconds: 3601 }, 'heartbeatTimeoutSeconds'],
      [{ distribution: 'round-robin' }, 'distribution'],
      [{ defaultOperators: { regular: 'ghost' } }, 'defaultOperators'],
      [{ sharedAvatarUrl: 'javascript:alert(1)' }, 'sharedAvatarUrl'],
      [{ colour: 'red' }, 'colour'],
      [{ maxOpenChatsPerVisitor: 0 }, 'maxOpenChatsPerVisitor'],
      [{ maxOpenChatsPerVisitor: 101 }, 'maxOpenChatsPerVisitor'],
      [{ maxOpenChatsPerVisitor: 2.5 }, 'maxOpenChatsPerVisitor'],
    ] as const) {
      const refused = await api.call('PUT', path, { token: adminToken, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.message).toContain(field);
    }
    expect((await api.call('GET', path, { token: adminToken })).body).toEqual(updated.body);
  });

  it('keeps both of two concurrent updates of different fields', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const path = `/v1/sites/${siteId}/settings`;
    await Promise.all([
      api.call('PUT', path, { token: adminToken, body: { allowVisitorChoice: true } }),
      api.call('PUT', path, { token: adminToken, body: { heartbeatTimeoutSeconds: 30 } }),
      api.call('PUT', path, { token: adminToken, body: { distribution: 'random' } }),
    ]);
    const settings = await api.call('GET', path, { token: adminToken });
    expect(settings.body).toMatchObject({ allowVisitorChoice: true, heartbeatTimeoutSeconds: 30, distribution: 'random' });
  });
});

describe('operators', () => {
  it('creates (201, token once), updates (200, no token), lists and deletes operators', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const path = `/v1/sites/${siteId}/operators/ann`;
    const created = await api.call('PUT', path, { token: adminToken, body: { name: 'Ann', maxChats: 2 } });
    expect(created.status).toBe(201);
    expect(created.body.operator).toEqual({
      id: 'ann',
      name: 'Ann',
      avatarUrl: null,
      status: 'offline',
      maxChats: 2,
      activeChats: 0,
      lastAssignedAt: null,
      lastHeartbeatAt: null,
      assigned: 0,
      groups: [],
      missed: 0,
      missedInARow: 0,
    });
    expect(created.body.operatorToken.length).toBeGreaterThanOrEqual(22);
    const updated = await api.call('PUT', path, { token: adminToken, body: { name: 'Ann B', avatarUrl: '/a.png' } });
    expect(updated.status).toBe(200);
    expect(updated.body.operator).toMatchObject({ name: 'Ann B', avatarUrl: '/a.png', maxChats: 2 });
    expect(updated.body.operatorToken).toBeUndefined();
    const listed = await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken });
    expect(listed.body.operators.map((operator: { id: string }) => operator.id)).toEqual(['ann']);
    expect((await api.call('DELETE', path, { token: adminToken })).status).toBe(204);
    expect((await api.call('DELETE', path, { token: adminToken })).status).toBe(404);
    const status = await api.call('PUT', `${path}/status`, { token: created.body.operatorToken, body: { status: 'online' } });
    expect(status.status).toBe(401);
  });

  it('validates operator bodies', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const path = `/v1/sites/${siteId}/operators/bob`;
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'B', maxChats: 0 }, { name: 'B', maxChats: 1.5 }]) {
      const refused = await api.call('PUT', path, { token: adminToken, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api.call('PUT', `/v1/sites/${siteId}/operators/bad%20id`, { token: adminToken, body: { name: 'B' } })).status).toBe(
      400,
    );
    const unlimited = await api.call('PUT', path, { token: adminToken, body: { name: 'B', maxChats: null } });
    expect(unlimited.body.operator.maxChats).toBeNull();
  });

  it('clears a deleted default operator from the settings, and chats then go by the mode', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a', 'b']);
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { defaultOperators: { regular: 'a' } } });
    await api.call('DELETE', `/v1/sites/${siteId}/operators/a`, { token: adminToken });
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body.defaultOperators.regular).toBeNull();
    const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1' } });
    expect(chat.body.chat).toMatchObject({ operatorId: 'b', assignedBy: 'queue' });
  });

  it('lets an operator set its own status and heartbeat, and nobody else', async () => {
    const { siteId, tokens } = await apiSite(api, ['a', 'b'], { online: false });
    const path = `/v1/sites/${siteId}/operators/a`;
    const away = await api.call('PUT', `${path}/status`, { token: tokens.a, body: { status: 'away' } });
    expect(away.status).toBe(200);
    expect(away.body.operator.status).toBe('away');
    expect(away.body.operator.lastHeartbeatAt).not.toBeNull();
    expect((await api.call('PUT', `${path}/status`, { token: tokens.b, body: { status: 'online' } })).status).toBe(403);
    expect((await api.call('PUT', `${path}/status`, { token: tokens.a, body: { status: 'busy' } })).status).toBe(400);
    expect((await api.call('POST', `${path}/heartbeat`, { token: tokens.a })).status).toBe(204);
    expect((await api.call('POST', `${path}/heartbeat`, { token: tokens.b })).status).toBe(403);
  });
});

describe('starting chats', () => {
  it('assigns by queue (201); when nobody is available the chat waits (202 with its place), or is unassigned with the queue off', async () => {
    const { siteId, tokens, adminToken } = await apiSite(api, ['a']);
    const first = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1', clientType: 'target' } });
    expect(first.status).toBe(201);
    expect(first.body.chat).toMatchObject({ operatorId: 'a', assignedBy: 'queue', clientType: 'target', status: 'assigned' });
    expect(first.body.operator).toEqual({ id: 'a', name: 'Operator a', avatarUrl: null });
    await api.call('PUT', `/v1/sites/${siteId}/operators/a/status`, { token: tokens.a, body: { status: 'away' } });
    const second = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v2' } });
    expect(second.status).toBe(202);
    expect(second.body.chat).toMatchObject({ status: 'waiting', operatorId: null, assignedBy: null, clientType: 'regular' });
    expect(second.body.queue).toEqual({ position: 1, estimatedWaitSeconds: null });
    expect(second.body.operator).toBeUndefined();
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { queueEnabled: false } });
    const third = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v3' } });
    expect(third.status).toBe(202);
    expect(third.body.chat).toMatchObject({ status: 'unassigned', operatorId: null, assignedBy: null });
    expect(third.body).not.toHaveProperty('queue');
  });

  it('applies the visitor-choice refusals of the contract', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a', 'b']);
    const start = (operatorId: string) => api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v', operatorId } });
    expect((await start('a')).body.error.code).toBe('visitor_choice_disabled');
    expect((await start('a')).status).toBe(403);
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { allowVisitorChoice: true } });
    const missing = await start('ghost');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'operator_not_found']);
    await api.call('PUT', `/v1/sites/${siteId}/operators/b/status`, { token: tokens.b, body: { status: 'away' } });
    const away = await start('b');
    expect([away.status, away.body.error.code]).toEqual([409, 'operator_unavailable']);
    const chosen = await start('a');
    expect(chosen.status).toBe(201);
    expect(chosen.body.chat).toMatchObject({ operatorId: 'a', assignedBy: 'visitor' });
  });

  it('refuses bad bodies and unknown sites', async () => {
    const { siteId } = await apiSite(api, ['a']);
    for (const body of [{}, { visitorId: '' }, { visitorId: 'a b' }, { visitorId: 'v', clientType: 'vip' }, { visitorId: 'v', x: 1 }]) {
      expect((await api.call('POST', `/v1/sites/${siteId}/chats`, { body })).status, JSON.stringify(body)).toBe(400);
    }
    const unknown = await api.call('POST', '/v1/sites/nosuchsite/chats', { body: { visitorId: 'v' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'site_not_found']);
  });
});

describe('closing chats and listing them', () => {
  it('closes by the visitor chat token or by its operator; closing twice is not an error', async () => {
    const { siteId, tokens } = await apiSite(api, ['a', 'b']);
    const one = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1' } });
    const two = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v2' } });
    const closePath = (chatId: string) => `/v1/sites/${siteId}/chats/${chatId}/close`;

    expect((await api.call('POST', closePath(one.body.chat.id))).status).toBe(401);
    expect((await api.call('POST', closePath(one.body.chat.id), { body: { chatToken: two.body.chatToken } })).status).toBe(403);
    const byVisitor = await api.call('POST', closePath(one.body.chat.id), { body: { chatToken: one.body.chatToken } });
    expect(byVisitor.status).toBe(200);
    expect(byVisitor.body.chat.status).toBe('closed');
    const again = await api.call('POST', closePath(one.body.chat.id), { body: { chatToken: one.body.chatToken } });
    expect(again.body.chat.closedAt).toBe(byVisitor.body.chat.closedAt);

    const owner = two.body.chat.operatorId as 'a' | 'b';
    const other = owner === 'a' ? 'b' : 'a';
    expect((await api.call('POST', closePath(two.body.chat.id), { token: tokens[other] })).status).toBe(403);
    const open = await api.call('GET', `/v1/sites/${siteId}/operators/${owner}/chats`, { token: tokens[owner] });
    expect(open.body.chats.map((chat: { id: string }) => chat.id)).toEqual([two.body.chat.id]);
    expect((await api.call('POST', closePath(two.body.chat.id), { token: tokens[owner] })).status).toBe(200);
    const after = await api.call('GET', `/v1/sites/${siteId}/operators/${owner}/chats`, { token: tokens[owner] });
    expect(after.body.chats).toEqual([]);
    expect((await api.call('POST', closePath('nosuchchat'), { token: tokens[owner] })).status).toBe(404);
  });

  it("lists an operator's open chats newest first, to that operator only", async () => {
    const { siteId, tokens } = await apiSite(api, ['a']);
    const ids: string[] = [];
    for (const visitorId of ['v1', 'v2', 'v3']) {
      ids.push((await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId } })).body.chat.id);
    }
    const open = await api.call('GET', `/v1/sites/${siteId}/operators/a/chats`, { token: tokens.a });
    expect(open.body.chats.map((chat: { id: string }) => chat.id)).toEqual([...ids].reverse());
  });
});

describe('stats', () => {
  it('counts chats by operator and rule, within an optional period', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a', 'b']);
    await api.call('PUT', `/v1/sites/${siteId}/settings`, {
      token: adminToken,
      // The queue off: the chat nobody takes is unassigned (a waiting one is neither, until it ends).
      body: { allowVisitorChoice: true, defaultOperators: { target: 'b' }, queueEnabled: false },
    });
    const before = new Date().toISOString();
    await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1' } });
    await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v2', operatorId: 'a' } });
    await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v3', clientType: 'target' } });
    for (const id of ['a', 'b']) {
      await api.call('PUT', `/v1/sites/${siteId}/operators/${id}/status`, { token: tokens[id], body: { status: 'offline' } });
    }
    await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v4' } });

    const stats = await api.call('GET', `/v1/sites/${siteId}/stats`, { token: adminToken });
    expect(stats.body.unassigned).toBe(1);
    const total = (id: string) => stats.body.operators.find((operator: { id: string }) => operator.id === id);
    expect(total('a').byMethod.visitor).toBe(1);
    expect(total('b').byMethod.default).toBe(1);
    expect(total('a').assigned + total('b').assigned).toBe(3);
    expect(total('a').byMethod.queue + total('b').byMethod.queue).toBe(1);

    const empty = await api.call('GET', `/v1/sites/${siteId}/stats?to=${encodeURIComponent('2020-01-01T00:00:00Z')}`, {
      token: adminToken,
    });
    expect(empty.body.unassigned).toBe(0);
    expect(empty.body.operators.every((operator: { assigned: number }) => operator.assigned === 0)).toBe(true);
    const since = await api.call('GET', `/v1/sites/${siteId}/stats?from=${encodeURIComponent(before)}`, { token: adminToken });
    expect(since.body).toEqual(stats.body);
    const today = new Date().toISOString().slice(0, 10);
    const wholeDay = await api.call('GET', `/v1/sites/${siteId}/stats?from=${today}&to=${today}`, { token: adminToken });
    expect(wholeDay.body).toEqual(stats.body);
    expect((await api.call('GET', `/v1/sites/${siteId}/stats?from=yesterday`, { token: adminToken })).status).toBe(400);
    expect((await api.call('GET', `/v1/sites/${siteId}/stats?from=2026-02-01&to=2026-01-01`, { token: adminToken })).status).toBe(400);
    expect((await api.call('GET', `/v1/sites/${siteId}/stats?period=week`, { token: adminToken })).status).toBe(400);
  });
});

describe('widget and shared avatar', () => {
  it('shows online and away operators with live heartbeats, and the shared avatar once uploaded', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a', 'b', 'c']);
    await api.call('PUT', `/v1/sites/${siteId}/operators/b/status`, { token: tokens.b, body: { status: 'away' } });
    await api.call('PUT', `/v1/sites/${siteId}/operators/c/status`, { token: tokens.c, body: { status: 'offline' } });
    const widget = await api.call('GET', `/v1/sites/${siteId}/widget`);
    expect(widget.body).toEqual({
      allowVisitorChoice: false,
      sharedAvatarUrl: null,
      operators: [
        { id: 'a', name: 'Operator a', avatarUrl: null, status: 'online' },
        { id: 'b', name: 'Operator b', avatarUrl: null, status: 'away' },
      ],
      groups: [],
      language: 'en',
      liveUrl: `${api.url.replace('http://', 'ws://')}/v1/live`,
    });
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { language: 'ru' } });
    expect((await api.call('GET', `/v1/sites/${siteId}/widget`)).body.language).toBe('ru');
    expect((await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { language: 'de' } })).status).toBe(400);
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { language: 'en' } });

    const upload = await api.call('POST', `/v1/sites/${siteId}/avatar`, {
      token: adminToken,
      raw: PNG,
      headers: { 'content-type': 'image/png' },
    });
    expect(upload.status).toBe(200);
    expect(upload.body.sharedAvatarUrl).toMatch(new RegExp(`^/avatars/${siteId}/[0-9a-f]+\\.png$`));
    const served = await fetch(`${api.url}${upload.body.sharedAvatarUrl}`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
    const after = await api.call('GET', `/v1/sites/${siteId}/widget`);
    expect(after.body.sharedAvatarUrl).toBe(upload.body.sharedAvatarUrl);
    expect(after.body.operators.map((operator: { avatarUrl: string }) => operator.avatarUrl)).toEqual([
      upload.body.sharedAvatarUrl,
      upload.body.sharedAvatarUrl,
    ]);
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body.sharedAvatarUrl).toBe(upload.body.sharedAvatarUrl);
  });

  it('checks the avatar by its bytes and its size', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const upload = (raw: Buffer | string, type: string) =>
      api.call('POST', `/v1/sites/${siteId}/avatar`, { token: adminToken, raw, headers: { 'content-type': type } });
    expect((await upload('hello', 'text/plain')).status).toBe(415);
    expect((await upload(JPEG, 'image/png')).status).toBe(415);
    expect((await upload(Buffer.from('<svg/>'), 'image/png')).status).toBe(415);
    expect((await upload(Buffer.concat([JPEG, Buffer.alloc(512 * 1024)]), 'image/jpeg')).status).toBe(413);
    expect((await upload(JPEG, 'image/jpeg')).status).toBe(200);
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body.sharedAvatarUrl).toMatch(/\.jpg$/);
  });

  it("answers CORS by the site's allowed origins, and refuses other origins", async () => {
    const site = await api.call('POST', '/v1/sites', {
      token: api.platformToken,
      body: { name: 'Shop', allowedOrigins: ['https://shop.example'] },
    });
    const { siteId } = site.body;
    const allowed = await api.call('GET', `/v1/sites/${siteId}/widget`, { headers: { origin: 'https://shop.example' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const refused = await api.call('POST', `/v1/sites/${siteId}/chats`, {
      headers: { origin: 'https://evil.example' },
      body: { visitorId: 'v' },
    });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'origin_not_allowed']);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(`${api.url}/v1/sites/${siteId}/chats`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const badPreflight = await fetch(`${api.url}/v1/sites/${siteId}/chats`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(badPreflight.status).toBe(403);

    // An operator closing from the console (its own origin, with its token) is not held to the widget's origins.
    const operator = await api.call('PUT', `/v1/sites/${siteId}/operators/op`, {
      token: site.body.adminToken,
      body: { name: 'Op' },
    });
    await api.call('PUT', `/v1/sites/${siteId}/operators/op/status`, { token: operator.body.operatorToken, body: { status: 'online' } });
    const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, {
      headers: { origin: 'https://shop.example' },
      body: { visitorId: 'v' },
    });
    const closed = await api.call('POST', `/v1/sites/${siteId}/chats/${chat.body.chat.id}/close`, {
      token: operator.body.operatorToken,
      headers: { origin: api.url },
    });
    expect(closed.status).toBe(200);

    const open = await apiSite(api, ['a']);
    const anyOrigin = await api.call('GET', `/v1/sites/${open.siteId}/widget`, { headers: { origin: 'https://any.example' } });
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('https://any.example');
  });
});

describe('whose token', () => {
  it('tells each token its role, site and operator', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a']);
    expect((await api.call('GET', '/v1/me', { token: adminToken })).body).toEqual({ role: 'admin', siteId });
    expect((await api.call('GET', '/v1/me', { token: tokens.a })).body).toMatchObject({
      role: 'operator',
      siteId,
      operatorId: 'a',
      operator: { id: 'a', name: 'Operator a', status: 'online' },
      heartbeatTimeoutSeconds: 90,
      answerTimeoutSeconds: null,
    });
    expect((await api.call('GET', '/v1/me', { token: api.platformToken })).body).toEqual({ role: 'platform' });
    expect((await api.call('GET', '/v1/me')).status).toBe(401);
  });
});
