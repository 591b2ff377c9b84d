import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  // The dispatcher and the deadline queue run as `npm start` runs them.
  api = await startTestApi({ isolated: true, dispatcher: true });
});
afterAll(() => api.close());

const groupsOf = (siteId: string) => `/v1/sites/${siteId}/groups`;

describe('groups (departments) over HTTP', () => {
  it('PUT creates (201) and updates (200, a fallback left out kept); GET lists them; DELETE answers 204, then 404', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const path = `${groupsOf(siteId)}/sales`;
    const created = await api.call('PUT', path, { token: adminToken, body: { name: 'Sales' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ group: { id: 'sales', name: 'Sales', fallbackAfterSeconds: null } });
    const withFallback = await api.call('PUT', path, { token: adminToken, body: { name: 'Sales', fallbackAfterSeconds: 30 } });
    expect(withFallback.status).toBe(200);
    const renamed = await api.call('PUT', path, { token: adminToken, body: { name: 'Sales team' } });
    expect(renamed.body).toEqual({ group: { id: 'sales', name: 'Sales team', fallbackAfterSeconds: 30 } });
    await api.call('PUT', `${groupsOf(siteId)}/billing`, { token: adminToken, body: { name: 'Billing', fallbackAfterSeconds: 0 } });

    const listed = await api.call('GET', groupsOf(siteId), { token: adminToken });
    expect(listed.status).toBe(200);
    expect(listed.body.groups).toEqual([
      { id: 'billing', name: 'Billing', fallbackAfterSeconds: 0 },
      { id: 'sales', name: 'Sales team', fallbackAfterSeconds: 30 },
    ]);

    expect((await api.call('DELETE', path, { token: adminToken })).status).toBe(204);
    const again = await api.call('DELETE', path, { token: adminToken });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('group_not_found');
    expect((await api.call('GET', groupsOf(siteId), { token: adminToken })).body.groups.map((group: { id: string }) => group.id)).toEqual(['billing']);
  });

  it('bad input is a 400 naming the field, and writes nothing', async () => {
    const { siteId, adminToken } = await apiSite(api, ['ann']);
    const path = `${groupsOf(siteId)}/sales`;
    for (const body of [{ name: 'S', fallbackAfterSeconds: 3601 }, { name: 'S', fallbackAfterSeconds: -1 }, { name: 'S', fallbackAfterSeconds: 1.5 }, {}, { name: '' }]) {
      const reply = await api.call('PUT', path, { token: adminToken, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
    }
    expect((await api.call('PUT', `${groupsOf(siteId)}/bad%20id`, { token: adminToken, body: { name: 'S' } })).status).toBe(400);
    expect((await api.call('GET', groupsOf(siteId), { token: adminToken })).body.groups).toEqual([]);

    // An operator's unknown group: 400, and the operator keeps what it had.
    const unknown = await api.call('PUT', `/v1/sites/${siteId}/operators/ann`, { token: adminToken, body: { name: 'Ann', groups: ['nope'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('nope');
    const operators = await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken });
    expect(operators.body.operators[0]).toMatchObject({ name: 'Operator ann', groups: [] });

    // A chat for an unknown group: 404 group_not_found, nothing recorded.
    const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1', group: 'nope' } });
    expect(chat.status).toBe(404);
    expect(chat.body.error.code).toBe('group_not_found');
    expect((await api.call('GET', `/v1/sites/${siteId}/queue`, { token: adminToken })).body.waiting).toEqual([]);
    expect((await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken })).body.operators[0].activeChats).toBe(0);
  });

  it("operators' groups, a group chat landing in its group, the widget's departments with their availability", async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['ann', 'bob']);
    await api.call('PUT', `${groupsOf(siteId)}/sales`, { token: adminToken, body: { name: 'Sales' } });
    await api.call('PUT', `${groupsOf(siteId)}/legal`, { token: adminToken, body: { name: 'Legal' } });
    const joined = await api.call('PUT', `/v1/sites/${siteId}/operators/bob`, { token: adminToken, body: { name: 'Bob', groups: ['sales'] } });
    expect(joined.status).toBe(200);
    expect(joined.body.operator.groups).toEqual(['sales']);

    const widget = await api.call('GET', `/v1/sites/${siteId}/widget`);
    expect(widget.body.groups).toEqual([
      { id: 'legal', name: 'Legal', available: false },
      { id: 'sales', name: 'Sales', available: true },
    ]);

    for (let i = 0; i < 3; i += 1) {
      const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: `v${i}`, group: 'sales' } });
      expect(chat.status).toBe(201);
      expect(chat.body.chat).toMatchObject({ operatorId: 'bob', group: 'sales', assignedBy: 'queue' });
    }
    // Legal has nobody: its chat waits for it (ann is free but not of it).
    const legal = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v9', group: 'legal' } });
    expect(legal.status).toBe(202);
    expect(legal.body.chat).toMatchObject({ status: 'waiting', group: 'legal' });
    const queue = await api.call('GET', `/v1/sites/${siteId}/queue`, { token: tokens.ann });
    expect(queue.body.waiting).toEqual([{ chatId: legal.body.chat.id, group: 'legal', createdAt: legal.body.chat.createdAt, position: 1 }]);

    // The group is deleted: ann may take the chat now.
    expect((await api.call('DELETE', `${groupsOf(siteId)}/legal`, { token: adminToken })).status).toBe(204);
    const read = await api.call('GET', `/v1/sites/${siteId}/chats/${legal.body.chat.id}`, { token: legal.body.chatToken });
    expect(read.body.chat).toMatchObject({ status: 'assigned', operatorId: 'ann', group: 'legal' });
    expect((await api.call('GET', `/v1/sites/${siteId}/widget`)).body.groups).toEqual([{ id: 'sales', name: 'Sales', available: true }]);
  });

  it('fallbackAfterSeconds over HTTP: the waiting group chat goes to another operator within 2 s of its moment', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['ann', 'bob']);
    await api.call('PUT', `${groupsOf(siteId)}/vip`, { token: adminToken, body: { name: 'VIP', fallbackAfterSeconds: 1 } });
    await api.call('PUT', `/v1/sites/${siteId}/operators/bob`, { token: adminToken, body: { name: 'Bob', groups: ['vip'] } });
    await api.call('PUT', `/v1/sites/${siteId}/operators/bob/status`, { token: tokens.bob, body: { status: 'offline' } });
    const bobOffline = await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken });
    expect(bobOffline.body.operators.find((operator: { id: string }) => operator.id === 'bob').status).toBe('offline');

    const chat = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v1', group: 'vip' } });
    expect(chat.status).toBe(202);
    const path = `/v1/sites/${siteId}/chats/${chat.body.chat.id}`;
    const assigned = await vi.waitFor(
      async () => {
        const reply = await api.call('GET', path, { token: chat.body.chatToken });
        expect(reply.body.chat.status).toBe('assigned');
        return reply.body.chat;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(assigned).toMatchObject({ operatorId: 'ann', group: 'vip', assignedBy: 'queue' });
    const waitedMs = Date.parse(assigned.assignedAt) - Date.parse(assigned.createdAt);
    expect(waitedMs).toBeGreaterThanOrEqual(1_000);
    expect(waitedMs).toBeLessThan(3_000);
  });
});
