import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../lib/live/protocol.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { liveClient, type LiveClient } from '../support/live-client.js';

/** Live push through the local stack: the socket on the API's port, the notifier on the table's stream. */
let api: TestApi;
let liveUrl: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  api = await startTestApi({ isolated: true, dispatcher: true });
});
afterAll(() => api.close());
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function connect() {
  const client = await liveClient(liveUrl);
  clients.push(client);
  return client;
}

describe('live push', () => {
  it('the widget and /v1/me give the socket URL, on the API port', async () => {
    const site = await apiSite(api, ['ann']);
    const widget = await api.call('GET', `/v1/sites/${site.siteId}/widget`);
    expect(widget.body.liveUrl).toBe(`${api.url.replace('http://', 'ws://')}/v1/live`);
    liveUrl = widget.body.liveUrl;
    const me = await api.call('GET', '/v1/me', { token: site.tokens.ann });
    expect(me.body.liveUrl).toBe(liveUrl);
  });

  it("an operator hears its new chat and the visitor's messages; the visitor hears the operator; another operator hears neither", async () => {
    const site = await apiSite(api, ['ann', 'bob'], { maxChats: 1 });
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/bob/status`, { token: site.tokens.bob!, body: { status: 'away' } });
    const ann = await connect();
    expect(await ann.auth(site.siteId, site.tokens.ann!)).toEqual({ type: 'ready' });
    const bob = await connect();
    expect(await bob.auth(site.siteId, site.tokens.bob!)).toEqual({ type: 'ready' });

    const chats = `/v1/sites/${site.siteId}/chats`;
    const started = await api.call('POST', chats, { body: { visitorId: 'v1' } });
    expect(started.body.chat.operatorId).toBe('ann');
    const chatId = started.body.chat.id;
    const assigned = await ann.next((m) => m.type === 'chat.assigned');
    expect(assigned.chat).toMatchObject({ id: chatId, status: 'assigned', operatorId: 'ann' });

    const visitor = await connect();
    expect(await visitor.auth(site.siteId, started.body.chatToken, chatId)).toEqual({ type: 'ready' });
    await api.call('POST', `${chats}/${chatId}/messages`, { token: started.body.chatToken, body: { text: 'Hello' } });
    expect((await ann.next((m) => m.type === 'message.created')).message).toMatchObject({ from: 'visitor', text: 'Hello' });
    await api.call('POST', `${chats}/${chatId}/messages`, { token: site.tokens.ann!, body: { text: 'Hi!' } });
    const reply = await visitor.next((m) => m.type === 'message.created' && m.message.from === 'operator');
    expect(reply).toMatchObject({ chat: { id: chatId }, message: { text: 'Hi!', operatorId: 'ann' } });

    await api.call('POST', `${chats}/${chatId}/close`, { token: site.tokens.ann });
    await visitor.next((m) => m.type === 'chat.closed');
    await ann.next((m) => m.type === 'chat.closed');
    await api.events!.liveNotifier.drained();
    expect(bob.messages).toEqual([{ type: 'ready' }]);
  });

  it('a waiting visitor hears its queue position move, then its assignment; operators hear the queue length', async () => {
    const site = await apiSite(api, ['cy'], { maxChats: 1 });
    const chats = `/v1/sites/${site.siteId}/chats`;
    const busy = await api.call('POST', chats, { body: { visitorId: 'first' } });
    const second = await api.call('POST', chats, { body: { visitorId: 'second' } });
    const third = await api.call('POST', chats, { body: { visitorId: 'third' } });
    expect([second.body.queue.position, third.body.queue.position]).toEqual([1, 2]);
    const cy = await connect();
    await cy.auth(site.siteId, site.tokens.cy!);
    const waitingSecond = await connect();
    await waitingSecond.auth(site.siteId, second.body.chatToken);
    const waitingThird = await connect();
    await waitingThird.auth(site.siteId, third.body.chatToken);

    await api.call('POST', `${chats}/${busy.body.chat.id}/close`, { token: site.tokens.cy });
    const assigned = await waitingSecond.next((m) => m.type === 'chat.assigned');
    expect(assigned.chat).toMatchObject({ id: second.body.chat.id, operatorId: 'cy' });
    // The stream may still be delivering the queue's earlier moves (the chats starting to wait): the one that matters says 1.
    const moved = await waitingThird.next((m) => m.type === 'queue.position' && m.queue.position === 1);
    expect(moved).toMatchObject({ chat: { id: third.body.chat.id, status: 'waiting' }, queue: { position: 1 } });
    expect(await cy.next((m) => m.type === 'queue.length' && m.waiting === 1)).toEqual({ type: 'queue.length', waiting: 1 });
    // The third visitor heard nothing of the second's chat.
    expect(waitingThird.messages.filter((m) => m.chat && m.chat.id !== third.body.chat.id)).toEqual([]);
  });

  it('an operator who goes offline hears its unaccepted chat taken back', async () => {
    const site = await apiSite(api, ['dee']);
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-dee' } });
    const dee = await connect();
    await dee.auth(site.siteId, site.tokens.dee!);
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/dee/status`, { token: site.tokens.dee!, body: { status: 'offline' } });
    const takenBack = await dee.next((m) => m.type === 'chat.taken_back');
    expect(takenBack.chat).toMatchObject({ id: started.body.chat.id, status: 'waiting', operatorId: null });
  });
});

describe('live push: who may listen', () => {
  it('an unknown token is refused and the socket closed; so is another site\'s operator, and an admin', async () => {
    const site = await apiSite(api, ['eve']);
    const other = await apiSite(api, ['fay']);
    for (const [token, code] of [
      ['no-such-token', 'unauthorized'],
      [other.tokens.fay!, 'forbidden'],
      [site.adminToken, 'forbidden'],
    ] as const) {
      const client = await connect();
      expect(await client.auth(site.siteId, token)).toMatchObject({ type: 'error', code });
      await client.closed;
    }
  });

  it("a chat token listens to its own chat only: another chat's id with it is refused", async () => {
    const site = await apiSite(api, []);
    const chats = `/v1/sites/${site.siteId}/chats`;
    const mine = await api.call('POST', chats, { body: { visitorId: 'a' } });
    const theirs = await api.call('POST', chats, { body: { visitorId: 'b' } });
    const client = await connect();
    expect(await client.auth(site.siteId, mine.body.chatToken, theirs.body.chat.id)).toMatchObject({ type: 'error', code: 'unauthorized' });
  });

  it('malformed messages and unknown types get an error and the socket stays; an oversized frame closes it; others are served meanwhile', async () => {
    const site = await apiSite(api, ['gus']);
    const client = await connect();
    client.send('{not json');
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_message' });
    client.send({ type: 'subscribe', all: true });
    expect(await client.next((m) => m.code === 'unknown_type')).toMatchObject({ type: 'error' });
    client.send({ type: 'auth', siteId: site.siteId });
    expect(await client.next((m) => m.code === 'invalid_message' && m.message.startsWith('token'))).toBeTruthy();
    client.send({ type: 'ping' });
    await client.next((m) => m.type === 'pong');
    // Still open after all that: it may authenticate, once.
    client.messages.length = 0;
    expect(await client.auth(site.siteId, site.tokens.gus!)).toEqual({ type: 'ready' });
    client.send({ type: 'auth', siteId: site.siteId, token: site.tokens.gus });
    await client.next((m) => m.code === 'already_authenticated');

    const big = await connect();
    big.send({ type: 'ping', pad: 'x'.repeat(MAX_FRAME_BYTES + 10) });
    expect(await big.closed).toBeGreaterThan(1000);
    const huge = await connect();
    huge.send('x'.repeat(MAX_FRAME_BYTES * 2));
    expect(await huge.closed).toBe(1009);

    const other = await connect();
    expect(await other.auth(site.siteId, site.tokens.gus!)).toEqual({ type: 'ready' });
  });

  it('a connection that does not authenticate within 10 seconds is closed', async () => {
    const client = await connect();
    const code = await client.closed;
    expect(code).toBe(1008);
    expect(client.messages).toEqual([{ type: 'error', code: 'auth_timeout', message: 'No auth message came within 10 seconds.' }]);
  }, 20_000);
});
