import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const start = (siteId: string, key: string, body: unknown) =>
  api.call('POST', `/v1/sites/${siteId}/chats`, { body, headers: { 'idempotency-key': key } });

async function chatsOf(siteId: string, adminToken: string) {
  const stats = await api.call('GET', `/v1/sites/${siteId}/stats`, { token: adminToken });
  const assigned = stats.body.operators.reduce((sum: number, operator: { assigned: number }) => sum + operator.assigned, 0);
  return assigned + stats.body.unassigned;
}

describe('Idempotency-Key on chat start', () => {
  it('a sequential repeat returns the first reply byte for byte and assigns nothing new', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a', 'b']);
    const first = await start(siteId, 'key-1', { visitorId: 'v1' });
    const repeat = await start(siteId, 'key-1', { visitorId: 'v1' });
    expect(first.status).toBe(201);
    expect(repeat.status).toBe(201);
    expect(repeat.text).toBe(first.text);
    expect(await chatsOf(siteId, adminToken)).toBe(1);
    const operators = await api.call('GET', `/v1/sites/${siteId}/operators`, { token: adminToken });
    expect(operators.body.operators.map((operator: { assigned: number }) => operator.assigned).sort()).toEqual([0, 1]);
    // The replayed chat token is the real one: it closes the chat.
    const closed = await api.call('POST', `/v1/sites/${siteId}/chats/${repeat.body.chat.id}/close`, {
      body: { chatToken: repeat.body.chatToken },
    });
    expect(closed.status).toBe(200);
  });

  it('concurrent identical requests create one chat and all get the same reply', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a', 'b', 'c']);
    const replies = await Promise.all(Array.from({ length: 5 }, () => start(siteId, 'same-key', { visitorId: 'v' })));
    expect(new Set(replies.map((reply) => reply.status))).toEqual(new Set([201]));
    expect(new Set(replies.map((reply) => reply.text)).size).toBe(1);
    expect(await chatsOf(siteId, adminToken)).toBe(1);
  });

  it('keys are per site, and a different body under a used key is refused with 422', async () => {
    const one = await apiSite(api, ['a']);
    const two = await apiSite(api, ['a']);
    const first = await start(one.siteId, 'shared', { visitorId: 'v1' });
    const otherSite = await start(two.siteId, 'shared', { visitorId: 'v1' });
    expect(otherSite.status).toBe(201);
    expect(otherSite.body.chat.id).not.toBe(first.body.chat.id);
    const reused = await start(one.siteId, 'shared', { visitorId: 'v2' });
    expect([reused.status, reused.body.error.code]).toEqual([422, 'idempotency_key_reused']);
    expect(await chatsOf(one.siteId, one.adminToken)).toBe(1);
  });

  it('an unassigned reply (202) is replayed too, and a refusal is not remembered', async () => {
    const { siteId, adminToken, tokens } = await apiSite(api, ['a'], { online: false });
    const waiting = await start(siteId, 'k-202', { visitorId: 'v' });
    expect(waiting.status).toBe(202);
    await api.call('PUT', `/v1/sites/${siteId}/operators/a/status`, { token: tokens.a, body: { status: 'online' } });
    const replay = await start(siteId, 'k-202', { visitorId: 'v' });
    expect(replay.status).toBe(202);
    expect(replay.text).toBe(waiting.text);

    const refused = await start(siteId, 'k-refused', { visitorId: 'v', operatorId: 'a' });
    expect(refused.status).toBe(403);
    await api.call('PUT', `/v1/sites/${siteId}/settings`, { token: adminToken, body: { allowVisitorChoice: true } });
    const retried = await start(siteId, 'k-refused', { visitorId: 'v', operatorId: 'a' });
    expect(retried.status).toBe(201);
    expect(retried.body.chat.assignedBy).toBe('visitor');
  });

  it('an empty or blank Idempotency-Key is a 400 naming the header, and starts nothing', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    for (const key of ['', ' ', 'with space']) {
      const reply = await start(siteId, key, { visitorId: 'v-empty' });
      expect(reply.status, JSON.stringify(key)).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^header\.idempotency-key/) });
    }
    expect(await chatsOf(siteId, adminToken)).toBe(0);
  });

  it('treats a left-out clientType and "regular" as the same request', async () => {
    const { siteId, adminToken } = await apiSite(api, ['a']);
    const first = await start(siteId, 'normalized', { visitorId: 'v' });
    const repeat = await start(siteId, 'normalized', { visitorId: 'v', clientType: 'regular' });
    expect(repeat.text).toBe(first.text);
    expect(await chatsOf(siteId, adminToken)).toBe(1);
  });

  it('keeps the chat token out of the idempotency table in clear', async () => {
    const { siteId } = await apiSite(api, ['a']);
    const reply = await start(siteId, 'secret-check', { visitorId: 'v' });
    const dump = await api.snapshot();
    expect(dump).not.toContain(reply.body.chatToken);
  });
});

describe('Idempotency-Key on messages', () => {
  it('a retried message (sequential or concurrent) is written once; another text or another writer under the key is 422; a stranger gets nothing', async () => {
    const { siteId, tokens } = await apiSite(api, ['a']);
    const started = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'talker' } });
    const chatId = started.body.chat.id as string;
    const path = `/v1/sites/${siteId}/chats/${chatId}/messages`;
    const send = (token: string, text: string, key: string) => api.call('POST', path, { token, body: { text }, headers: { 'idempotency-key': key } });

    const first = await send(started.body.chatToken, 'Hello', 'm-1');
    const again = await Promise.all([send(started.body.chatToken, 'Hello', 'm-1'), send(started.body.chatToken, 'Hello', 'm-1')]);
    expect(first.status).toBe(201);
    for (const reply of again) expect([reply.status, reply.text]).toEqual([201, first.text]);
    expect((await send(started.body.chatToken, 'Hello again', 'm-1')).status).toBe(422);
    // The operator under the visitor's key: not the same request.
    expect((await send(tokens.a!, 'Hello', 'm-1')).status).toBe(422);
    // Without the chat's token, nothing comes back, not even the stored reply.
    expect((await send('not-a-token', 'Hello', 'm-1')).status).toBe(401);
    const messages = await api.call('GET', path, { token: started.body.chatToken });
    expect(messages.body.messages.map((message: { text: string }) => message.text)).toEqual(['Hello']);
  });
});
