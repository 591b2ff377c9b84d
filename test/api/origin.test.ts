import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/browser.js';
import { startTestApi, type ApiReply, type TestApi } from '../support/api.js';

/** The origin the service is configured to serve its pages from (CloudFront's, in AWS). */
const PUBLIC_ORIGIN = 'https://chat.example.net';
const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

let api: TestApi;
let siteId: string;
let adminToken: string;
let operatorToken: string;

beforeAll(async () => {
  process.env.PUBLIC_ORIGIN = PUBLIC_ORIGIN;
  const pages = mkdtempSync(join(tmpdir(), 'own-origin-'));
  writeFileSync(join(pages, 'index.html'), '<!doctype html><title>Console</title>');
  api = await startTestApi({ isolated: true, statics: [{ prefix: '/page', folder: pages, index: 'index.html' }] });
  const site = await api.call('POST', '/v1/sites', { token: api.platformToken, body: { name: 'Shop', allowedOrigins: [SHOP] } });
  ({ siteId, adminToken } = site.body);
  const operator = await api.call('PUT', `/v1/sites/${siteId}/operators/op`, { token: adminToken, body: { name: 'Op' } });
  operatorToken = operator.body.operatorToken;
  expect((await api.call('PUT', `/v1/sites/${siteId}/operators/op/status`, { token: operatorToken, body: { status: 'online' } })).status).toBe(200);
});
afterAll(() => api?.close());

let visitors = 0;
/** A visitor of its own (each may have only a few chats open). */
const visitor = () => ({ visitorId: `v${(visitors += 1)}` });

/** A chat assigned to the operator, started from the shop. */
async function openChat(): Promise<{ chatId: string; chatToken: string }> {
  const started = await api.call('POST', `/v1/sites/${siteId}/chats`, { headers: { origin: SHOP }, body: visitor() });
  expect(started.status).toBe(201);
  return { chatId: started.body.chat.id, chatToken: started.body.chatToken };
}

const closePath = (chatId: string) => `/v1/sites/${siteId}/chats/${chatId}/close`;
const isOpen = async (chatId: string) => {
  const list = await api.call('GET', `/v1/sites/${siteId}/operators/op/chats`, { token: operatorToken });
  return list.body.chats.some((chat: { id: string }) => chat.id === chatId);
};

function expectRefused(reply: ApiReply) {
  expect([reply.status, reply.body?.error?.code]).toEqual([403, 'origin_not_allowed']);
  expect(reply.headers.get('access-control-allow-origin')).toBeNull();
}

describe('the widget routes hold every request to the site allowed origins, whatever else it carries', () => {
  it('refuses a foreign origin with a bogus bearer token: 403, no CORS grant, nothing written', async () => {
    const before = await api.snapshot();
    const reply = await api.call('POST', `/v1/sites/${siteId}/chats`, {
      token: 'bogus',
      headers: { origin: EVIL },
      body: visitor(),
    });
    expectRefused(reply);
    expectRefused(await api.call('GET', `/v1/sites/${siteId}/widget`, { token: 'bogus', headers: { origin: EVIL } }));
    expect(await api.snapshot()).toBe(before);
  });

  it("refuses a foreign origin with the chat's own operator token on close, and the chat stays open", async () => {
    const { chatId, chatToken } = await openChat();
    expectRefused(await api.call('POST', closePath(chatId), { token: operatorToken, headers: { origin: EVIL } }));
    expectRefused(await api.call('POST', closePath(chatId), { body: { chatToken }, headers: { origin: EVIL } }));
    expectRefused(await api.call('GET', `/v1/sites/${siteId}/widget`, { token: adminToken, headers: { origin: EVIL } }));
    expect(await isOpen(chatId)).toBe(true);
  });

  it('is decided by Origin alone: headers a page cannot set but a client can send do not let a foreign origin in', async () => {
    const { chatId } = await openChat();
    const reply = await api.call('POST', closePath(chatId), {
      token: operatorToken,
      headers: { origin: EVIL, 'sec-fetch-site': 'same-origin', 'x-forwarded-host': 'chat.example.net', referer: `${PUBLIC_ORIGIN}/console/` },
    });
    expectRefused(reply);
    // Look-alikes of the service's own origin are foreign too.
    for (const origin of [`${PUBLIC_ORIGIN}.evil.example`, 'https://example.net', `${api.url.replace(/:\d+$/, '')}:1`, 'null']) {
      expectRefused(await api.call('POST', closePath(chatId), { token: operatorToken, headers: { origin } }));
    }
    expect(await isOpen(chatId)).toBe(true);
  });

  it('refuses the preflight of a foreign origin that asks to send a token', async () => {
    const reply = await fetch(`${api.url}${closePath('any')}`, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin in, with or without a token, and echoes it', async () => {
    const widget = await api.call('GET', `/v1/sites/${siteId}/widget`, { headers: { origin: SHOP } });
    expect(widget.status).toBe(200);
    expect(widget.headers.get('access-control-allow-origin')).toBe(SHOP);
    const byVisitor = await openChat();
    const closed = await api.call('POST', closePath(byVisitor.chatId), { body: { chatToken: byVisitor.chatToken }, headers: { origin: SHOP } });
    expect([closed.status, closed.body.chat.status]).toEqual([200, 'closed']);
    expect(closed.headers.get('access-control-allow-origin')).toBe(SHOP);
    const byOperator = await openChat();
    const closedByOperator = await api.call('POST', closePath(byOperator.chatId), { token: operatorToken, headers: { origin: SHOP } });
    expect(closedByOperator.status).toBe(200);
    expect(closedByOperator.headers.get('access-control-allow-origin')).toBe(SHOP);
    // Starting a chat reads no token: a bogus one from an allowed origin changes nothing.
    const bogus = await api.call('POST', `/v1/sites/${siteId}/chats`, { token: 'bogus', headers: { origin: SHOP }, body: visitor() });
    expect(bogus.status).toBe(201);
    // Error replies carry the grant too, so that the widget can read them.
    const refused = await api.call('POST', `/v1/sites/${siteId}/chats`, { headers: { origin: SHOP }, body: {} });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_request']);
    expect(refused.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(refused.headers.get('content-type')).toBe('application/json');
  });

  it('lets a request without Origin in (not from a browser page)', async () => {
    const started = await api.call('POST', `/v1/sites/${siteId}/chats`, { body: visitor() });
    expect(started.status).toBe(201);
    expect(started.headers.get('access-control-allow-origin')).toBeNull();
    const closed = await api.call('POST', closePath(started.body.chat.id), { token: operatorToken });
    expect(closed.status).toBe(200);
  });

  it("lets the service's own origin in: the configured public origin, or the host the request was sent to", async () => {
    for (const origin of [PUBLIC_ORIGIN, api.url, api.url.replace('localhost', 'LOCALHOST')]) {
      const { chatId } = await openChat();
      const closed = await api.call('POST', closePath(chatId), { token: operatorToken, headers: { origin } });
      expect(closed.status, origin).toBe(200);
      // Same-origin needs no CORS grant, and the site's list grants none.
      expect(closed.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});

describe('in a real browser', () => {
  let browser: Browser;
  let foreign: Server;
  let foreignUrl: string;

  beforeAll(async () => {
    foreign = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Elsewhere</title>');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => foreign?.close(resolve));
  });

  /**
   * What the console does: POST the close with the operator's token, from the page at
   * `pageUrl`. The status, or the error fetch threw; and the Origin the browser sent.
   */
  async function closeFrom(pageUrl: string, chatId: string): Promise<{ outcome: number | string; origins: (string | undefined)[] }> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(pageUrl);
      const sent: Promise<string | undefined>[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/close')) sent.push(request.allHeaders().then((headers) => headers.origin));
      });
      const outcome = await page.evaluate(
        async ({ url, token }) => {
          try {
            return (await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status;
          } catch (error) {
            return String(error);
          }
        },
        { url: `${api.url}${closePath(chatId)}`, token: operatorToken },
      );
      return { outcome, origins: await Promise.all(sent) };
    } finally {
      await context.close();
    }
  }

  it('closes a chat from a page of the service itself, as the console does', async () => {
    const { chatId } = await openChat();
    // Browsers send Origin on a same-origin POST: the page's, which is the API's.
    expect(await closeFrom(`${api.url}/page/`, chatId)).toEqual({ outcome: 200, origins: [api.url] });
    expect(await isOpen(chatId)).toBe(false);
  });

  it('cannot close a chat from a page of a foreign origin, even with the operator token', async () => {
    const { chatId } = await openChat();
    // The token makes it a preflighted request, and the preflight is refused.
    expect((await closeFrom(foreignUrl, chatId)).outcome).toMatch(/TypeError/);
    expect(await isOpen(chatId)).toBe(true);
  });
});
