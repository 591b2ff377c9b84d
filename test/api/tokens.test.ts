import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ isolated: true });
});
afterAll(() => api.close());

const statusAs = (siteId: string, operatorId: string, token: string) =>
  api.call('PUT', `/v1/sites/${siteId}/operators/${operatorId}/status`, { token, body: { status: 'away' } });
const settingsAs = (siteId: string, token: string) => api.call('GET', `/v1/sites/${siteId}/settings`, { token });

/** Token items owned by the site (stored by hash only). */
async function tokenItems(siteId: string) {
  const { Items = [] } = await api.doc.send(
    new ScanCommand({ TableName: api.tableName, FilterExpression: '#type = :token AND siteId = :site', ExpressionAttributeNames: { '#type': 'type' }, ExpressionAttributeValues: { ':token': 'token', ':site': siteId }, ConsistentRead: true }),
  );
  return Items;
}

describe('rotating tokens', () => {
  it("gives an operator a new token; the old one is refused at once, the others' keep working", async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a', 'b']);
    const rotated = await api.call('POST', `/v1/sites/${siteId}/operators/a/token`, { token: adminToken });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.operatorToken as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(tokens.a);

    expect((await statusAs(siteId, 'a', tokens.a!)).status).toBe(401);
    expect((await statusAs(siteId, 'a', fresh)).status).toBe(200);
    expect((await statusAs(siteId, 'b', tokens.b!)).status).toBe(200);
    expect(await tokenItems(siteId)).toHaveLength(3); // admin, a, b
    expect(JSON.stringify(await tokenItems(siteId))).not.toContain(fresh);
  });

  it('refuses other callers and unknown operators, writing nothing', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a']);
    const other = await apiSite(api, ['x']);
    const before = await api.snapshot();
    const path = `/v1/sites/${siteId}/operators/a/token`;
    expect((await api.call('POST', path)).status).toBe(401);
    expect((await api.call('POST', path, { token: tokens.a })).status).toBe(403);
    expect((await api.call('POST', path, { token: other.adminToken })).status).toBe(403);
    const ghost = await api.call('POST', `/v1/sites/${siteId}/operators/ghost/token`, { token: adminToken });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error.code).toBe('operator_not_found');
    expect((await api.call('POST', path, { token: adminToken, body: { any: 1 } })).status).toBe(400);
    expect(await api.snapshot()).toBe(before);
  });

  it("rotates the site's admin token by its admin or by the platform", async () => {
    const { siteId, adminToken } = await apiSite(api);
    const byAdmin = await api.call('POST', `/v1/sites/${siteId}/admin-token`, { token: adminToken });
    expect(byAdmin.status).toBe(200);
    expect((await settingsAs(siteId, adminToken)).status).toBe(401);
    expect((await settingsAs(siteId, byAdmin.body.adminToken)).status).toBe(200);

    // A lost admin token: the platform issues a new one.
    const byPlatform = await api.call('POST', `/v1/sites/${siteId}/admin-token`, { token: api.platformToken });
    expect(byPlatform.status).toBe(200);
    expect((await settingsAs(siteId, byAdmin.body.adminToken)).status).toBe(401);
    expect((await settingsAs(siteId, byPlatform.body.adminToken)).status).toBe(200);
    expect(await tokenItems(siteId)).toHaveLength(1);

    const unknown = await api.call('POST', '/v1/sites/no-such-site/admin-token', { token: api.platformToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('site_not_found');
    const other = await apiSite(api, ['x']);
    expect((await api.call('POST', `/v1/sites/${siteId}/admin-token`, { token: other.adminToken })).status).toBe(403);
    expect((await api.call('POST', `/v1/sites/${siteId}/admin-token`, { token: other.tokens.x })).status).toBe(403);
  });

  it('concurrent rotations leave exactly one working token and no stray token items', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => api.call('POST', `/v1/sites/${siteId}/operators/a/token`, { token: adminToken })),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    const outcomes = await Promise.all(replies.map((reply) => statusAs(siteId, 'a', reply.body.operatorToken)));
    expect(outcomes.filter((reply) => reply.status === 200)).toHaveLength(1);
    expect(outcomes.filter((reply) => reply.status === 401)).toHaveLength(7);
    expect(await tokenItems(siteId)).toHaveLength(2); // admin, a
  });
});
