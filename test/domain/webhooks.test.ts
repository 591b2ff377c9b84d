import { describe, expect, it } from 'vitest';
import { chatEventsOf } from '../../lib/domain/chat-events.js';
import type { Chat } from '../../lib/domain/model.js';
import { isPublicAddress, webhookTargetOf } from '../../lib/webhooks/address-policy.js';
import { retryDelaySeconds, WEBHOOK_MAX_RECEIVES, WEBHOOK_RETRY_WINDOW_SECONDS } from '../../lib/webhooks/backoff.js';
import { webhookSecretFor } from '../../lib/webhooks/secret.js';
import { signatureOf, verifySignature } from '../../lib/webhooks/signature.js';

describe('webhook addresses', () => {
  it.each(['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.31.0.1', '192.168.0.10', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '::ffff:a00:1', '::'])(
    '%s is not public',
    (address) => expect(isPublicAddress(address)).toBe(false),
  );

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => expect(isPublicAddress(address)).toBe(true));

  it('local receivers only where allowed, and only localhost or 127.0.0.1', () => {
    expect(webhookTargetOf('http://localhost:4000/hook', true)).toMatchObject({ local: true });
    expect(webhookTargetOf('http://127.0.0.1:4000/hook', true)).toMatchObject({ local: true });
    expect(webhookTargetOf('http://localhost:4000/hook', false)).toBe('webhookUrl must be https');
    expect(webhookTargetOf('https://127.0.0.1/hook', false)).toBe('webhookUrl points to a private or reserved address');
    expect(webhookTargetOf('http://10.0.0.1/hook', true)).toMatch(/https/);
    expect(webhookTargetOf('https://hooks.example.com/x', false)).toMatchObject({ local: false });
  });
});

describe('webhook signatures', () => {
  const secret = webhookSecretFor('a-service-key-of-at-least-32-characters', 'site-1', 'seed-1');

  it('a secret is the site and seed under the service key: another seed or site is another secret', () => {
    expect(webhookSecretFor('a-service-key-of-at-least-32-characters', 'site-1', 'seed-1')).toBe(secret);
    expect(webhookSecretFor('a-service-key-of-at-least-32-characters', 'site-1', 'seed-2')).not.toBe(secret);
    expect(webhookSecretFor('a-service-key-of-at-least-32-characters', 'site-2', 'seed-1')).not.toBe(secret);
  });

  it('verifies the body it signed, at its time; refuses another body, another secret, or an old signature', () => {
    const body = '{"id":"evt_1"}';
    const header = signatureOf(secret, body, 1_800_000_000);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, header, body, 1_800_000_010)).toBe(true);
    expect(verifySignature(secret, header, '{"id":"evt_2"}', 1_800_000_010)).toBe(false);
    expect(verifySignature(`${secret}x`, header, body, 1_800_000_010)).toBe(false);
    expect(verifySignature(secret, header, body, 1_800_000_000 + 301)).toBe(false);
    expect(verifySignature(secret, 'v1=abc', body, 1_800_000_000)).toBe(false);
  });
});

describe('webhook retries', () => {
  it('back off from 10 s, doubling to an hour, for as many attempts as cover 24 hours', () => {
    expect([1, 2, 3, 9, 10, 30].map(retryDelaySeconds)).toEqual([10, 20, 40, 2560, 3600, 3600]);
    const waits = Array.from({ length: WEBHOOK_MAX_RECEIVES - 1 }, (_, i) => retryDelaySeconds(i + 1));
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total).toBeGreaterThanOrEqual(WEBHOOK_RETRY_WINDOW_SECONDS);
    expect(total - waits.at(-1)!).toBeLessThan(WEBHOOK_RETRY_WINDOW_SECONDS);
  });
});

describe('chat events', () => {
  const chat = (overrides: Partial<Chat>): Chat =>
    ({ id: 'c', siteId: 's', status: 'waiting', operatorId: null, missedBy: [], ...overrides }) as Chat;

  it('names what a write did to a chat', () => {
    expect(chatEventsOf(null, chat({ status: 'assigned', operatorId: 'a' }))).toEqual(['chat.assigned']);
    expect(chatEventsOf(null, chat({ status: 'waiting' }))).toEqual(['chat.waiting']);
    expect(chatEventsOf(null, chat({ status: 'unassigned' }))).toEqual(['chat.unassigned']);
    expect(chatEventsOf(chat({ status: 'waiting' }), chat({ status: 'assigned', operatorId: 'a' }))).toEqual(['chat.assigned']);
    expect(chatEventsOf(chat({ status: 'assigned', operatorId: 'a' }), chat({ status: 'waiting', missedBy: ['a'] }))).toEqual(['chat.taken_back']);
    expect(chatEventsOf(chat({ status: 'assigned', operatorId: 'a' }), chat({ status: 'assigned', operatorId: 'b' }))).toEqual(['chat.assigned']);
    expect(chatEventsOf(chat({ status: 'waiting' }), chat({ status: 'unassigned' }))).toEqual(['chat.unassigned']);
    expect(chatEventsOf(chat({ status: 'assigned', operatorId: 'a' }), chat({ status: 'closed', operatorId: 'a' }))).toEqual(['chat.closed']);
    // An accept, or a message counted: no event of the chat's own.
    expect(chatEventsOf(chat({ status: 'assigned', operatorId: 'a' }), chat({ status: 'assigned', operatorId: 'a' }))).toEqual([]);
  });
});
