import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../lib/webhooks/signature.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Webhooks through the whole local stack: the settings route, the publisher on the table's
 * stream, the in-process queue and the sender, to a real HTTP receiver on 127.0.0.1.
 */
let api: TestApi;
let receiver: WebhookReceiver;

beforeAll(async () => {
  api = await startTestApi({ isolated: true, dispatcher: true });
});
afterAll(() => api.close());
afterEach(() => receiver?.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function siteWithWebhook(operators: string[] = ['ann']) {
  receiver = await startWebhookReceiver();
  const site = await apiSite(api, operators);
  const set = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: receiver.url } });
  expect(set.status).toBe(200);
  return { ...site, secret: set.body.webhookSecret as string };
}

describe('webhook settings', () => {
  it('the PUT that sets a first URL returns the secret once; reads and later updates never show it', async () => {
    const site = await siteWithWebhook();
    expect(site.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const read = await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken });
    expect(read.body.webhookUrl).toBe(receiver.url);
    expect(read.body).not.toHaveProperty('webhookSecret');
    const changed = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: `${receiver.url}?v=2` } });
    expect(changed.status).toBe(200);
    expect(changed.body).not.toHaveProperty('webhookSecret');
    expect(changed.body.webhookUrl).toBe(`${receiver.url}?v=2`);
    // Off, then on again: a new secret, since the old one may have been thrown away.
    expect((await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: null } })).body.webhookUrl).toBeNull();
    const again = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: receiver.url } });
    expect(again.body.webhookSecret).toMatch(/^whsec_/);
    expect(again.body.webhookSecret).not.toBe(site.secret);
  });

  it.each([
    ['http://hooks.example.com/x', 'https'],
    ['ftp://hooks.example.com/x', 'https'],
    ['https://10.0.0.7/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'private'],
    ['https://[::ffff:192.168.1.1]/hook', 'private'],
    ['https://[fd00::1]/hook', 'private'],
    ['https://user:pass@hooks.example.com/x', 'user name'],
    ['not a url', 'webhookUrl'],
  ])('%s is refused with a 400 naming the problem, and nothing is written', async (url, says) => {
    const site = await apiSite(api);
    const before = await api.snapshot();
    const reply = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: url } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    expect(reply.body.error.message).toContain(says);
    expect(await api.snapshot()).toBe(before);
  });

  it('rotating gives a new secret that signs from then on; only the admin may rotate', async () => {
    const site = await siteWithWebhook();
    const path = `/v1/sites/${site.siteId}/webhook-secret`;
    expect((await api.call('POST', path, { token: site.tokens.ann })).status).toBe(403);
    const rotated = await api.call('POST', path, { token: site.adminToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookSecret).toMatch(/^whsec_/);
    expect(rotated.body.webhookSecret).not.toBe(site.secret);
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-rotate' } });
    expect(started.status).toBe(201);
    await receiver.until(() => receiver.received.length >= 1);
    const [delivery] = receiver.received;
    const signature = String(delivery!.headers['webhook-signature']);
    expect(verifySignature(rotated.body.webhookSecret, signature, delivery!.body, nowSeconds())).toBe(true);
    expect(verifySignature(site.secret, signature, delivery!.body, nowSeconds())).toBe(false);
  });
});

describe('webhook events', () => {
  it('a chat assigned, a message each way and a close reach the receiver signed, each with its own id', async () => {
    const site = await siteWithWebhook();
    const chats = `/v1/sites/${site.siteId}/chats`;
    const started = await api.call('POST', chats, { body: { visitorId: 'v1', message: 'Hello?' } });
    expect(started.status).toBe(201);
    const chatId = started.body.chat.id as string;
    const reply = await api.call('POST', `${chats}/${chatId}/messages`, { token: site.tokens.ann, body: { text: 'Hi, Ann here' } });
    expect(reply.status).toBe(201);
    expect((await api.call('POST', `${chats}/${chatId}/close`, { token: site.tokens.ann })).status).toBe(200);

    await receiver.until(() => receiver.events().length >= 4);
    const events = receiver.events();
    expect(events.map((event) => event.type).sort()).toEqual(['chat.assigned', 'chat.closed', 'message.created', 'message.created']);
    for (const entry of receiver.received) {
      expect(entry.headers['content-type']).toBe('application/json');
      expect(verifySignature(site.secret, String(entry.headers['webhook-signature']), entry.body, nowSeconds())).toBe(true);
      expect(entry.json).toMatchObject({ id: expect.stringMatching(/^evt_/), siteId: site.siteId, occurredAt: expect.any(String), chat: { id: chatId } });
      expect(entry.headers['webhook-id']).toBe(entry.json.id);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(4);
    const assigned = events.find((event) => event.type === 'chat.assigned');
    expect(assigned.chat).toMatchObject({ status: 'assigned', operatorId: 'ann' });
    expect(assigned.occurredAt).toBe(started.body.chat.assignedAt);
    const texts = events.filter((event) => event.type === 'message.created').map((event) => [event.message.from, event.message.text]);
    expect(texts.sort()).toEqual([
      ['operator', 'Hi, Ann here'],
      ['visitor', 'Hello?'],
    ]);
    expect(events.find((event) => event.type === 'chat.closed').chat).toMatchObject({ status: 'closed' });

    // The sender records a delivery once the receiver has answered: it may trail the last event received.
    const delivered = async () => {
      const deliveries = await api.call('GET', `/v1/sites/${site.siteId}/webhook-deliveries`, { token: site.adminToken });
      expect(deliveries.status).toBe(200);
      return deliveries.body.deliveries.filter((d: any) => d.state === 'delivered');
    };
    await expect.poll(async () => (await delivered()).map((d: any) => d.eventId).sort()).toEqual(events.map((event) => event.id).sort());
    expect((await delivered()).every((d: any) => d.attempts === 1 && d.responseStatus === 200 && d.error === null)).toBe(true);
  });

  it('a waiting chat, then its assignment by the dispatcher, are two events', async () => {
    const site = await siteWithWebhook(['bob']);
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/bob/status`, { token: site.tokens.bob, body: { status: 'offline' } });
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'w1' } });
    expect(started.body.chat.status).toBe('waiting');
    await receiver.until(() => receiver.events().some((event) => event.type === 'chat.waiting'));
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/bob/status`, { token: site.tokens.bob, body: { status: 'online' } });
    await receiver.until(() => receiver.events().some((event) => event.type === 'chat.assigned'));
    expect(receiver.events().map((event) => event.type)).toEqual(['chat.waiting', 'chat.assigned']);
  });

  it('a chat nobody can take is chat.unassigned; an operator leaving with an unaccepted chat is chat.taken_back', async () => {
    const site = await siteWithWebhook(['dot']);
    const chats = `/v1/sites/${site.siteId}/chats`;
    const held = await api.call('POST', chats, { body: { visitorId: 'held' } });
    expect(held.body.chat.operatorId).toBe('dot');
    await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { queueEnabled: false } });
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/dot/status`, { token: site.tokens.dot, body: { status: 'offline' } });
    const nobody = await api.call('POST', chats, { body: { visitorId: 'nobody', contact: { email: 'a@b.example' } } });
    expect(nobody.body.chat.status).toBe('unassigned');
    await receiver.until(() => ['chat.taken_back', 'chat.unassigned'].every((type) => receiver.events().some((event) => event.type === type)));
    const events = receiver.events();
    expect(events.find((event) => event.type === 'chat.taken_back').chat).toMatchObject({ id: held.body.chat.id, operatorId: null });
    expect(events.find((event) => event.type === 'chat.unassigned').chat).toMatchObject({ id: nobody.body.chat.id, contact: { email: 'a@b.example' } });
  });

  it('a receiver that never answers delays no assignment: chats start and a waiting one is dispatched meanwhile', async () => {
    const site = await siteWithWebhook(['cy']);
    receiver.behave(() => 'hang');
    const chats = `/v1/sites/${site.siteId}/chats`;
    const started = await Promise.all(Array.from({ length: 10 }, (_, i) => api.call('POST', chats, { body: { visitorId: `h${i}` } })));
    expect(started.every((reply) => reply.status === 201)).toBe(true);
    await receiver.until(() => receiver.received.length >= 1);
    // With deliveries hanging, an operator freed still gets the next waiting chat through the stream.
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/cy`, { token: site.adminToken, body: { name: 'Cy', maxChats: 10 } });
    const waiting = await api.call('POST', chats, { body: { visitorId: 'h-wait' } });
    expect(waiting.body.chat.status).toBe('waiting');
    await api.call('POST', `${chats}/${started[0]!.body.chat.id}/close`, { token: site.tokens.cy });
    await expect
      .poll(async () => (await api.call('GET', `${chats}/${waiting.body.chat.id}`, { token: waiting.body.chatToken })).body.chat.status, { timeout: 5_000 })
      .toBe('assigned');
  });
});
