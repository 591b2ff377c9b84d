import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const startChat = (siteId: string, visitorId: string) => api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId } });

describe('through HTTP', () => {
  it('plays the seed example: round the queue in order, and a newcomer gets the next chat', async () => {
    const { siteId, adminToken } = await apiSite(api, ['op1', 'op2', 'op3']);
    const assignees: string[] = [];
    for (const visitor of ['v1', 'v2', 'v3', 'v4']) {
      const reply = await startChat(siteId, visitor);
      expect(reply.status).toBe(201);
      assignees.push(reply.body.chat.operatorId);
    }
    expect(new Set(assignees.slice(0, 3))).toEqual(new Set(['op1', 'op2', 'op3']));
    expect(assignees[3]).toBe(assignees[0]);

    const created = await api.call('PUT', `/v1/sites/${siteId}/operators/op4`, { token: adminToken, body: { name: 'Four' } });
    await api.call('PUT', `/v1/sites/${siteId}/operators/op4/status`, {
      token: created.body.operatorToken,
      body: { status: 'online' },
    });
    const fifth = await startChat(siteId, 'v5');
    expect(fifth.body.chat.operatorId).toBe('op4');
    expect(fifth.body.operator).toEqual({ id: 'op4', name: 'Four', avatarUrl: null });
  });

  it('answers a 50-way burst on 10 operators: every chat assigned, counts within one', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `op${i}`);
    const { siteId, adminToken } = await apiSite(api, ids);
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => startChat(siteId, `v${i}`)));
    expect(replies.map((reply) => reply.status)).toEqual(Array(50).fill(201));
    const operators = (await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken })).body.operators as {
      id: string;
      assigned: number;
    }[];
    const counts = operators.map((operator) => operator.assigned);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(50);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    const byReply = new Map<string, number>();
    for (const reply of replies) byReply.set(reply.body.chat.operatorId, (byReply.get(reply.body.chat.operatorId) ?? 0) + 1);
    for (const operator of operators) expect(byReply.get(operator.id)).toBe(operator.assigned);
  });
});
