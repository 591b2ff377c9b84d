import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStreamReader } from '../../infra/local/stream-reader.js';
import { inject } from 'vitest';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { updateSettings } from '../../lib/engine/sites.js';
import { listWebhookDeliveries } from '../../lib/engine/webhooks.js';
import { publishWebhookEvents } from '../../lib/jobs/publish-webhook-events.js';
import { sendWebhooks } from '../../lib/jobs/send-webhooks.js';
import { WEBHOOK_MAX_RECEIVES } from '../../lib/webhooks/backoff.js';
import type { WebhookEvent } from '../../lib/webhooks/event.js';
import { CHAT_EVENT_FILTER_PATTERNS } from '../../lib/webhooks/events-from-stream.js';
import { InProcessWebhookQueue } from '../../lib/webhooks/in-process-queue.js';
import { DELIVERY_TIMEOUT_MS, systemResolve, type Resolve } from '../../lib/webhooks/post.js';
import { verifySignature } from '../../lib/webhooks/signature.js';
import { isolatedTable, testEngine } from '../support/engine.js';
import { chatFor, siteWithOperators } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The sender's retries, timeouts, dead letters and address checks, with the queue sped up
 * (a retry delay of 10 s takes 0.1 ms here): the real sender code, a real HTTP receiver.
 */
const KEY = 'test-webhook-signing-key-of-at-least-32-chars';
const SPEED = 100_000;
let receiver: WebhookReceiver;
let queue: InProcessWebhookQueue;

afterEach(async () => {
  queue?.stop();
  await receiver?.close();
});

/** A site whose webhook goes to the receiver, and the queue wired to the real sender. */
async function setUp(resolveAtDelivery: Resolve = systemResolve, allowLocal = true) {
  receiver = await startWebhookReceiver();
  const engine = testEngine();
  const deps: EngineDeps = { ...engine.deps, clock: Date.now, webhookPolicy: { allowLocal: true, resolve: systemResolve } };
  const { siteId } = await siteWithOperators(deps, 1);
  const { webhookSecret } = await updateSettings(deps, siteId, { webhookUrl: receiver.url }, () => Promise.resolve(KEY));
  queue = new InProcessWebhookQueue(SPEED);
  const senderDeps: EngineDeps = { ...deps, webhookPolicy: { allowLocal, resolve: resolveAtDelivery } };
  queue.consume(async ({ event, receiveCount, receiptHandle }) => {
    const reply = await sendWebhooks(
      { deps: senderDeps, queue, webhookKey: () => Promise.resolve(KEY) },
      { Records: [{ messageId: event.id, receiptHandle, body: JSON.stringify(event), attributes: { ApproximateReceiveCount: String(receiveCount) } } as never] },
    );
    return reply.batchItemFailures.length === 0;
  });
  return { deps, siteId, secret: webhookSecret! };
}

function eventFor(siteId: string, n = 1): WebhookEvent {
  return {
    id: `evt_test_${n}_${Math.random().toString(36).slice(2)}`,
    type: 'chat.closed',
    siteId,
    occurredAt: new Date().toISOString(),
    chat: { id: `chat-${n}` } as never,
  };
}

describe('webhook delivery', () => {
  it('is retried after 500s until the receiver takes it: at least once, one id, the log says delivered on the third attempt', async () => {
    const { deps, siteId, secret } = await setUp();
    receiver.behave((n) => (n < 2 ? 500 : 204));
    const event = eventFor(siteId);
    await queue.send([event]);
    await receiver.until(() => receiver.received.length === 3);
    await queue.settled();
    expect(receiver.events()).toHaveLength(1);
    for (const entry of receiver.received) {
      expect(entry.json.id).toBe(event.id);
      expect(verifySignature(secret, String(entry.headers['webhook-signature']), entry.body, Math.floor(Date.now() / 1000))).toBe(true);
    }
    const [delivery] = await listWebhookDeliveries(deps, siteId);
    expect(delivery).toMatchObject({ eventId: event.id, state: 'delivered', attempts: 3, responseStatus: 204, error: null });
    expect(queue.deadLetters).toEqual([]);
  });

  it(`a receiver that does not answer within ${DELIVERY_TIMEOUT_MS / 1000} s has failed that attempt; the next one is delivered`, async () => {
    const { deps, siteId } = await setUp();
    receiver.behave((n) => (n === 0 ? 'hang' : 200));
    const event = eventFor(siteId);
    await queue.send([event]);
    await receiver.until(() => receiver.received.length === 2);
    await queue.settled();
    const [delivery] = await listWebhookDeliveries(deps, siteId);
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, responseStatus: 200 });
  });

  it(`an event the receiver refuses for 24 hours (${WEBHOOK_MAX_RECEIVES} attempts) goes to the dead letters, marked failed`, async () => {
    const { deps, siteId } = await setUp();
    receiver.behave(() => 503);
    const event = eventFor(siteId);
    await queue.send([event]);
    await receiver.until(() => receiver.received.length === WEBHOOK_MAX_RECEIVES);
    await queue.settled();
    expect(queue.deadLetters.map((dead) => dead.id)).toEqual([event.id]);
    expect(receiver.received).toHaveLength(WEBHOOK_MAX_RECEIVES);
    const [delivery] = await listWebhookDeliveries(deps, siteId);
    expect(delivery).toMatchObject({ state: 'failed', attempts: WEBHOOK_MAX_RECEIVES, responseStatus: 503, error: 'the receiver answered 503' });
  });

  it('a host that resolves to a private address at delivery time (DNS rebinding) is never connected to', async () => {
    const { deps, siteId } = await setUp(() => Promise.resolve(['10.0.0.5']), false);
    // The site's URL is a local one; with local receivers not allowed at delivery it must be https: refused before any connection.
    await queue.send([eventFor(siteId)]);
    await expect.poll(async () => (await listWebhookDeliveries(deps, siteId))[0]?.error).toContain('https');
    expect(receiver.received).toEqual([]);
  });

  it('a URL set while its host was public, resolving to a private address at delivery, is refused without a request', async () => {
    const rebinding = { now: ['93.184.216.34'] };
    receiver = await startWebhookReceiver();
    const engine = testEngine();
    const deps: EngineDeps = { ...engine.deps, clock: Date.now, webhookPolicy: { allowLocal: false, resolve: () => Promise.resolve(rebinding.now) } };
    const { siteId } = await siteWithOperators(deps, 1);
    await updateSettings(deps, siteId, { webhookUrl: 'https://hooks.shop.example/chat' }, () => Promise.resolve(KEY));
    rebinding.now = ['169.254.169.254'];
    queue = new InProcessWebhookQueue(SPEED);
    const reply = await sendWebhooks(
      { deps, queue, webhookKey: () => Promise.resolve(KEY) },
      { Records: [{ messageId: 'm1', receiptHandle: 'r1', body: JSON.stringify(eventFor(siteId)), attributes: { ApproximateReceiveCount: '1' } } as never] },
    );
    expect(reply.batchItemFailures).toHaveLength(1);
    const [delivery] = await listWebhookDeliveries(deps, siteId);
    expect(delivery).toMatchObject({ state: 'retrying', responseStatus: null, error: 'webhookUrl resolves to a private or reserved address' });
  });

  it('a site that turned its webhook off gets nothing more, even what was already queued', async () => {
    const { deps, siteId } = await setUp();
    await updateSettings(deps, siteId, { webhookUrl: null });
    await queue.send([eventFor(siteId)]);
    await queue.settled();
    expect(receiver.received).toEqual([]);
    expect(await listWebhookDeliveries(deps, siteId)).toEqual([]);
  });
});

describe('webhook publishing from the stream', () => {
  it('a replayed stream batch publishes the same event ids: the receiver keeps each event once', async () => {
    const tableName = await isolatedTable('hooks', { stream: true });
    const engine = testEngine({ tableName });
    const deps: EngineDeps = { ...engine.deps, clock: Date.now, webhookPolicy: { allowLocal: true, resolve: systemResolve } };
    const batches: DynamoDBStreamEvent[] = [];
    const reader = await startStreamReader({
      endpoint: inject('dynamoEndpoint'),
      tableName,
      filterPatterns: CHAT_EVENT_FILTER_PATTERNS,
      invoke: (event) => {
        batches.push(event);
        return Promise.resolve();
      },
    });
    try {
      const { siteId } = await siteWithOperators(deps, 2);
      await updateSettings(deps, siteId, { webhookUrl: 'http://127.0.0.1:9/hook' }, () => Promise.resolve(KEY));
      await Promise.all(Array.from({ length: 5 }, () => chatFor(deps, siteId)));
      await reader.drained();
      const published: WebhookEvent[] = [];
      const recording = { send: (events: readonly WebhookEvent[]) => Promise.resolve(void published.push(...events)), retryLater: () => Promise.resolve() };
      for (const batch of batches) await publishWebhookEvents(deps, recording, batch);
      const first = published.map((event) => event.id);
      published.length = 0;
      for (const batch of batches) await publishWebhookEvents(deps, recording, batch);
      expect(first).toHaveLength(5);
      expect(published.map((event) => event.id)).toEqual(first);
      expect(published.every((event) => event.type === 'chat.assigned' && event.chat.siteId === siteId)).toBe(true);
    } finally {
      await reader.stop();
    }
  });
});
