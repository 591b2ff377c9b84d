import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ isolated: true, dispatcher: true });
});
afterAll(() => api.close());

/** Reads the chat as its visitor until `done` holds or ten seconds pass (the contract's dispatch takes at most two). */
async function readUntil(path: string, chatToken: string, done: (body: any) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reply = await api.call('GET', path, { token: chatToken });
    expect(reply.status).toBe(200);
    if (done(reply.body) || Date.now() > deadline) return reply.body;
    await api.events!.dispatcher.drained();
  }
}

describe('the waiting queue over HTTP', () => {
  it('a chat that finds nobody waits with its place, is readable by its parties, and is assigned when a slot frees', async () => {
    const site = await apiSite(api, ['ann'], { maxChats: 1 });
    const chats = `/v1/sites/${site.siteId}/chats`;
    const first = await api.call('POST', chats, { body: { visitorId: 'v1' } });
    expect(first.status).toBe(201);

    const second = await api.call('POST', chats, { body: { visitorId: 'v2' } });
    expect(second.status).toBe(202);
    expect(second.body.chat).toMatchObject({ status: 'waiting', operatorId: null, assignedBy: null, group: null, assignedAt: null });
    expect(second.body.queue).toEqual({ position: 1, estimatedWaitSeconds: null });
    const third = await api.call('POST', chats, { body: { visitorId: 'v3' } });
    expect(third.body.queue.position).toBe(2);

    const path = `${chats}/${second.body.chat.id}`;
    const asVisitor = await api.call('GET', path, { token: second.body.chatToken });
    expect(asVisitor.status).toBe(200);
    expect(asVisitor.body).toMatchObject({ chat: { id: second.body.chat.id, status: 'waiting' }, operator: null, queue: { position: 1 } });
    const asAdmin = await api.call('GET', path, { token: site.adminToken });
    expect(asAdmin.status).toBe(200);

    const queue = await api.call('GET', `/v1/sites/${site.siteId}/queue`, { token: site.tokens.ann });
    expect(queue.status).toBe(200);
    expect(queue.body.waiting).toEqual([
      { chatId: second.body.chat.id, group: null, createdAt: second.body.chat.createdAt, position: 1 },
      { chatId: third.body.chat.id, group: null, createdAt: third.body.chat.createdAt, position: 2 },
    ]);

    const closed = await api.call('POST', `${chats}/${first.body.chat.id}/close`, { token: site.tokens.ann });
    expect(closed.status).toBe(200);
    const assigned = await readUntil(path, second.body.chatToken, (body) => body.chat.status !== 'waiting');
    expect(assigned.chat).toMatchObject({ status: 'assigned', operatorId: 'ann', assignedBy: 'queue' });
    expect(assigned.operator).toEqual({ id: 'ann', name: 'Operator ann', avatarUrl: null });
    expect(assigned.queue).toBeNull();
    // The operator now reads it too; the third chat moved up.
    expect((await api.call('GET', path, { token: site.tokens.ann })).status).toBe(200);
    const thirdNow = await api.call('GET', `${chats}/${third.body.chat.id}`, { token: third.body.chatToken });
    expect(thirdNow.body.queue.position).toBe(1);
    // One close has been seen in this hour: the estimate has something to go by.
    expect(thirdNow.body.queue.estimatedWaitSeconds).toEqual(expect.any(Number));
  });

  it('a visitor closes its waiting chat with its chat token: it leaves the queue', async () => {
    const site = await apiSite(api, []);
    const chats = `/v1/sites/${site.siteId}/chats`;
    const started = await api.call('POST', chats, { body: { visitorId: 'v' } });
    expect(started.body.chat.status).toBe('waiting');
    const closed = await api.call('POST', `${chats}/${started.body.chat.id}/close`, { body: { chatToken: started.body.chatToken } });
    expect(closed.status).toBe(200);
    expect(closed.body.chat).toMatchObject({ status: 'closed' });
    expect((await api.call('GET', `/v1/sites/${site.siteId}/queue`, { token: site.adminToken })).body.waiting).toEqual([]);
  });

  it('with the queue off, or full, a chat nobody takes is unassigned as in v1 (202 without a queue)', async () => {
    const site = await apiSite(api, []);
    const settings = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { maxWaitingChats: 1 } });
    expect(settings.body).toMatchObject({ queueEnabled: true, maxWaitingChats: 1, maxWaitSeconds: 600, returningVisitorDays: null });
    const chats = `/v1/sites/${site.siteId}/chats`;
    expect((await api.call('POST', chats, { body: { visitorId: 'a' } })).body.chat.status).toBe('waiting');
    const full = await api.call('POST', chats, { body: { visitorId: 'b' } });
    expect(full.status).toBe(202);
    expect(full.body.chat.status).toBe('unassigned');
    expect(full.body).not.toHaveProperty('queue');
    await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { queueEnabled: false, maxWaitingChats: null } });
    expect((await api.call('POST', chats, { body: { visitorId: 'c' } })).body.chat.status).toBe('unassigned');
  });
});

describe('reading a chat and the queue: refusals write nothing', () => {
  it('unknown chat 404, no or unknown token 401, a token of another chat, site, operator or the platform 403', async () => {
    const site = await apiSite(api, ['ann', 'bob']);
    const other = await apiSite(api, ['cid']);
    const chats = `/v1/sites/${site.siteId}/chats`;
    const mine = await api.call('POST', chats, { body: { visitorId: 'v1' } });
    const theirs = await api.call('POST', chats, { body: { visitorId: 'v2' } });
    const path = `${chats}/${mine.body.chat.id}`;
    const bystander = mine.body.chat.operatorId === 'ann' ? 'bob' : 'ann';
    const before = await api.snapshot();

    const status = async (target: string, token?: string) => (await api.call('GET', target, { token })).status;
    expect(await status(`${chats}/01NOSUCHCHAT0000000000000`, mine.body.chatToken)).toBe(404);
    expect(await status(path)).toBe(401);
    expect(await status(path, 'not-a-token-anybody-has')).toBe(401);
    expect(await status(path, `${mine.body.chat.id}.${'x'.repeat(43)}`)).toBe(401);
    expect(await status(path, theirs.body.chatToken)).toBe(403);
    expect(await status(path, other.adminToken)).toBe(403);
    expect(await status(path, other.tokens.cid)).toBe(403);
    expect(await status(path, site.tokens[bystander])).toBe(403);
    expect(await status(path, api.platformToken)).toBe(403);
    expect(await status(path, mine.body.chatToken)).toBe(200);

    const queue = `/v1/sites/${site.siteId}/queue`;
    expect(await status(queue)).toBe(401);
    expect(await status(queue, mine.body.chatToken)).toBe(401);
    expect(await status(queue, other.adminToken)).toBe(403);
    expect(await status(queue, other.tokens.cid)).toBe(403);
    expect(await status(queue, api.platformToken)).toBe(403);
    expect(await status(`/v1/sites/nosuchsite/queue`, site.adminToken)).toBe(403);
    expect(await api.snapshot()).toBe(before);
  });

  it.each([
    [{ queueEnabled: 'yes' }, 'queueEnabled'],
    [{ queueEnabled: null }, 'queueEnabled'],
    [{ maxWaitingChats: 0 }, 'maxWaitingChats'],
    [{ maxWaitingChats: 2.5 }, 'maxWaitingChats'],
    [{ maxWaitSeconds: 9 }, 'maxWaitSeconds'],
    [{ maxWaitSeconds: 86_401 }, 'maxWaitSeconds'],
    [{ maxWaitSeconds: null }, 'maxWaitSeconds'],
    [{ returningVisitorDays: 0 }, 'returningVisitorDays'],
    [{ returningVisitorDays: 366 }, 'returningVisitorDays'],
    [{ distribution: 'busiest' }, 'distribution'],
  ])('settings %j are refused with 400 naming %s, and nothing is written', async (body, field) => {
    const site = await apiSite(api, []);
    const before = await api.snapshot();
    const reply = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    expect(reply.body.error.message).toContain(field);
    expect(await api.snapshot()).toBe(before);
  });
});

describe('least-busy and returning visitors over HTTP', () => {
  it('least-busy gives the next chat to whoever has the fewest open chats; a returning visitor goes back to its operator', async () => {
    const site = await apiSite(api, ['ann', 'bob']);
    const settings = `/v1/sites/${site.siteId}/settings`;
    const saved = await api.call('PUT', settings, { token: site.adminToken, body: { distribution: 'least-busy', returningVisitorDays: 30 } });
    expect(saved.body).toMatchObject({ distribution: 'least-busy', returningVisitorDays: 30 });
    const chats = `/v1/sites/${site.siteId}/chats`;
    const first = await api.call('POST', chats, { body: { visitorId: 'v1' } });
    const second = await api.call('POST', chats, { body: { visitorId: 'v2' } });
    expect(first.body.chat.assignedBy).toBe('least-busy');
    expect(second.body.chat.operatorId).not.toBe(first.body.chat.operatorId);
    // v1 comes back: to its operator, though both have one open chat.
    const back = await api.call('POST', chats, { body: { visitorId: 'v1' } });
    expect(back.body.chat).toMatchObject({ operatorId: first.body.chat.operatorId, assignedBy: 'returning' });
    // The other operator has fewer open chats now: a new visitor goes there.
    const third = await api.call('POST', chats, { body: { visitorId: 'v3' } });
    expect(third.body.chat).toMatchObject({ operatorId: second.body.chat.operatorId, assignedBy: 'least-busy' });
    const stats = await api.call('GET', `/v1/sites/${site.siteId}/stats`, { token: site.adminToken });
    const byMethod = (id: string) => stats.body.operators.find((operator: { id: string }) => operator.id === id).byMethod;
    expect(byMethod(first.body.chat.operatorId).returning).toBe(1);
    expect(byMethod(second.body.chat.operatorId)['least-busy']).toBe(2);
  });
});
