import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../lib/domain/ids.js';
import { ROUTES, type Route as RouteDefinition } from '../../lib/routes/index.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
let a: Awaited<ReturnType<typeof apiSite>>;
let b: Awaited<ReturnType<typeof apiSite>>;
let chatId: string;
let chatToken: string;
/** The operator of site A that did not get the chat. */
let bystander: string;

beforeAll(async () => {
  api = await startTestApi({ isolated: true });
  a = await apiSite(api, ['a1', 'a2']);
  b = await apiSite(api, ['b1']);
  const chat = await api.call('POST', `/v1/sites/${a.siteId}/chats`, { body: { visitorId: 'v' } });
  chatId = chat.body.chat.id;
  chatToken = chat.body.chatToken;
  bystander = chat.body.chat.operatorId === 'a1' ? 'a2' : 'a1';
});
afterAll(() => api.close());

/** A request the route would accept from the right caller, so that only the token decides. */
function validRequest(route: RouteDefinition) {
  const owner = 'a1';
  const path = route.path
    .replace('{siteId}', a.siteId)
    .replace('{operatorId}', owner)
    .replace('{chatId}', chatId)
    .replace('{groupId}', 'sales');
  const bodies: Record<string, unknown> = {
    'create-site': { name: 'Other' },
    'update-settings': { allowVisitorChoice: true },
    'put-operator': { name: 'Renamed' },
    'put-group': { name: 'Sales' },
    'set-operator-status': { status: 'away' },
    'post-message': { text: 'Hello' },
    'transfer-chat': { operatorId: 'a2' },
  };
  if (route.name === 'upload-avatar') {
    return { path, raw: Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 2, 3]), headers: { 'content-type': 'image/gif' } };
  }
  return { path, body: bodies[route.name] };
}

type Caller = { label: string; token: () => string | undefined; expected: number };

function callersFor(route: RouteDefinition): Caller[] {
  const none: Caller = { label: 'no token', token: () => undefined, expected: 401 };
  const garbage: Caller = { label: 'unknown token', token: () => 'not-a-real-token-at-all', expected: 401 };
  // Routes whose role does not admit the platform know its token by the item creating a site left
  // (they may not read its secret): a valid token of the wrong role, 403 as the contract says.
  const platform: Caller = { label: 'platform token', token: () => api.platformToken, expected: 403 };
  const adminA: Caller = { label: 'admin of the site', token: () => a.adminToken, expected: 403 };
  const adminB: Caller = { label: 'admin of another site', token: () => b.adminToken, expected: 403 };
  const operatorA1: Caller = { label: 'operator a1', token: () => a.tokens.a1, expected: 403 };
  const operatorA2: Caller = { label: 'another operator of the site', token: () => a.tokens.a2, expected: 403 };
  const bystanderA: Caller = { label: "an operator of the site who does not have the chat", token: () => a.tokens[bystander], expected: 403 };
  const operatorB: Caller = { label: 'operator of another site', token: () => b.tokens.b1, expected: 403 };
  switch (route.role) {
    case 'platform':
      return [none, garbage, adminA, operatorA1];
    case 'admin':
      return [none, garbage, platform, adminB, operatorA1, operatorB];
    case 'admin-or-platform':
      return [none, garbage, adminB, operatorA1, operatorB];
    case 'operator':
      return [none, garbage, platform, adminA, operatorA2, operatorB];
    case 'any-token':
      return [none, garbage];
    case 'chat-party':
      return [none, garbage, platform, adminB, bystanderA, operatorB];
    case 'chat-reader':
      // The visitor's chat token, the chat's operator and the site's admin may read it.
      return [none, garbage, platform, adminB, bystanderA, operatorB];
    case 'site-member':
      return [none, garbage, platform, adminB, operatorB];
    default:
      return [];
  }
}

const guarded = ROUTES.filter((route) => callersFor(route).length > 0);

describe('auth matrix: every guarded route refuses the wrong callers and changes nothing', () => {
  it('covers every route that needs a token', () => {
    expect(guarded.map((route) => route.name).sort()).toEqual(
      ROUTES.filter((route) => !['none', 'visitor'].includes(route.role))
        .map((route) => route.name)
        .sort(),
    );
  });

  it.each(guarded.map((route) => [route.name, route] as const))('%s', async (_, route) => {
    const before = await api.snapshot();
    const { path, ...request } = validRequest(route);
    for (const caller of callersFor(route)) {
      const reply = await api.call(route.method, path, { ...request, token: caller.token() });
      expect(reply.status, `${route.name} with ${caller.label}`).toBe(caller.expected);
      if (caller.expected === 401) expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await api.snapshot()).toBe(before);
  });

  it('a chat token opens only its own chat', async () => {
    const other = await api.call('POST', `/v1/sites/${b.siteId}/chats`, { body: { visitorId: 'v' } });
    const before = await api.snapshot();
    const wrongSite = await api.call('POST', `/v1/sites/${b.siteId}/chats/${other.body.chat.id}/close`, { body: { chatToken } });
    expect(wrongSite.status).toBe(403);
    const wrongPath = await api.call('POST', `/v1/sites/${b.siteId}/chats/${chatId}/close`, { body: { chatToken } });
    expect(wrongPath.status).toBe(404);
    expect(await api.snapshot()).toBe(before);
  });
});

describe('the platform token on routes without the secret', () => {
  it('is known there by the token item creating a site left; where the secret is checked, such an item is not trusted', async () => {
    const settings = (token: string) => api.call('GET', `/v1/sites/${a.siteId}/settings`, { token });
    expect((await settings(api.platformToken)).status).toBe(403);
    // A platform token item whose token is not the current platform token (one rotated since).
    const stale = 'a-platform-token-since-rotated';
    await api.doc.send(
      new PutCommand({ TableName: api.tableName, Item: { pk: `TOKEN#${hashToken(stale)}`, sk: 'TOKEN', type: 'token', role: 'platform' } }),
    );
    expect((await settings(stale)).status).toBe(403);
    expect((await api.call('GET', '/v1/me', { token: stale })).status).toBe(401);
    expect((await api.call('POST', '/v1/sites', { token: stale, body: { name: 'x' } })).status).toBe(401);
    expect((await api.call('GET', '/v1/me', { token: api.platformToken })).body).toEqual({ role: 'platform' });
  });
});
