import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ isolated: true });
});
afterAll(() => api.close());

describe('maxOpenChatsPerVisitor over HTTP', () => {
  it('answers 429 too_many_open_chats past the limit, writes nothing, and follows the setting', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a', 'b']);
    const start = () => api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'same-visitor' } });
    const opened = [await start(), await start(), await start()];
    expect(opened.map((reply) => reply.status)).toEqual([201, 201, 201]);

    const before = await api.snapshot();
    const refused = await start();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_open_chats');
    expect(await api.snapshot()).toBe(before);

    const raised = await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { maxOpenChatsPerVisitor: 4 } });
    expect(raised.body.maxOpenChatsPerVisitor).toBe(4);
    expect((await start()).status).toBe(201);
    expect((await start()).status).toBe(429);

    // The operator closes one of them: the visitor may start again.
    const { chat } = opened[0]!.body;
    const closed = await api.call('POST', `/v1/sites/${siteId}/chats/${chat.id}/close`, { token: tokens[chat.operatorId] });
    expect(closed.status).toBe(200);
    expect((await start()).status).toBe(201);

    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { maxOpenChatsPerVisitor: null } });
    expect((await start()).status).toBe(201);
  });
});
