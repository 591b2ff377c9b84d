import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, MAX_WIDGET_GZIP_BYTES, WEB_DIST, type WebBuild } from '../../web/build.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { IMAGES } from '../support/images.js';
import { launchChromium, refuseLiveSocket, screenshot } from './browser.js';

const PNG = IMAGES.png;

let api: TestApi;
let browser: Browser;
let web: WebBuild;
let siteId: string;
let adminToken: string;
let hostUrl: string;
/** Operator tokens, as the admin page showed them once. */
const tokens: Record<string, string> = {};
const contexts: BrowserContext[] = [];

/** A customer's page, with aggressive styles of its own, embedding the widget with one script tag. */
function hostPage(site: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<style>button { background: red !important; color: yellow !important; font-size: 40px !important; } li { display: none; }</style>
</head><body><h1>Shop</h1><script>window.__keysBefore = Object.keys(window);</script>
<script src="/widget.js" data-site="${site}" async></script></body></html>`;
}

/** Polling only (the socket refused): this file's server runs no live notifier. */
async function newPage(options: { mobile?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext(options.mobile ? { viewport: { width: 375, height: 667 }, isMobile: true } : {});
  contexts.push(context);
  await refuseLiveSocket(context);
  return context.newPage();
}

beforeAll(async () => {
  web = await buildWeb();
  const hostDir = mkdtempSync(join(tmpdir(), 'host-'));
  api = await startTestApi({
    statics: [
      { prefix: '/host', folder: hostDir, index: 'index.html' },
      { prefix: '/', folder: WEB_DIST },
    ],
  });
  const site = await api.call('POST', '/v1/sites', { token: api.platformToken, body: { name: 'Browser shop' } });
  ({ siteId, adminToken } = site.body);
  writeFileSync(join(hostDir, 'index.html'), hostPage(siteId));
  hostUrl = `${api.url}/host/`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.close();
});

/** A visitor (own browser context, so own localStorage) starts a chat; returns what the widget says (operator, place in the queue or recorded request). */
async function visitorStartsChat(options: { pick?: string; shot?: string } = {}) {
  const page = await newPage();
  await page.goto(hostUrl);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
  if (options.shot) await screenshot(page, `${options.shot}-open`);
  if (options.pick) await dialog.getByRole('button', { name: `Chat with ${options.pick}` }).click();
  else await dialog.getByRole('button', { name: /^Start chat/ }).click();
  const outcome = dialog.locator('.assigned, .recorded, .place');
  await outcome.waitFor();
  if (options.shot) await screenshot(page, `${options.shot}-assigned`);
  return { page, dialog, text: (await outcome.textContent()) ?? '' };
}

const chattingWith = (text: string) => /You are chatting with (.+)\./.exec(text)?.[1];

describe('the pages in a real browser', () => {
  let admin: Page;
  let consoleAnn: Page;
  let consoleBen: Page;

  it('builds a widget under the size limit', () => {
    expect(web.widgetGzipBytes).toBeLessThanOrEqual(MAX_WIDGET_GZIP_BYTES);
    expect(web.versionedWidget).toMatch(/^widget\.[0-9a-f]{10}\.js$/);
  });

  it('lets the admin sign in, choose queue mode and add two operators, each token shown once', async () => {
    admin = await newPage();
    await admin.goto(`${api.url}/admin/`);
    await admin.getByLabel('Admin token', { exact: true }).fill(adminToken);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Settings' }).waitFor();
    // The form shows the site's settings, the waiting queue's defaults included.
    expect(await admin.getByLabel('Open chats per visitor (empty: no limit)').inputValue()).toBe('3');
    expect(await admin.getByLabel('Queue chats when nobody is available').isChecked()).toBe(true);
    expect(await admin.getByLabel('Max waiting chats (empty: no limit)').inputValue()).toBe('');
    expect(await admin.getByLabel('Max wait (seconds, 10 to 86400)').inputValue()).toBe('600');
    await admin.getByLabel('Random').check();
    await admin.getByLabel('Queue (smart distribution)').check();
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText('Settings saved.').waitFor();
    const settings = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(settings.body.distribution).toBe('queue');

    for (const [id, name] of [
      ['ann', 'Ann'],
      ['ben', 'Ben'],
    ] as const) {
      await admin.getByLabel('Operator id').fill(id);
      await admin.getByLabel('Operator name').fill(name);
      await admin.getByRole('button', { name: 'Add operator' }).click();
      await admin.getByText(`Operator token for ${name}`).waitFor();
      tokens[id] = await admin.getByLabel('Token', { exact: true }).inputValue();
      expect(tokens[id]!.length).toBeGreaterThan(20);
    }
    await admin.getByRole('row', { name: /\bBen\b/ }).first().waitFor();
    await admin.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(admin, 'admin', { fullPage: true });
  });

  it('brings both operators online from two console pages, which keep a heartbeat', async () => {
    consoleAnn = await newPage();
    consoleBen = await newPage();
    for (const [page, token] of [
      [consoleAnn, tokens.ann!],
      [consoleBen, tokens.ben!],
    ] as const) {
      await page.goto(`${api.url}/console/`);
      await page.getByLabel('Operator token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Online' }).click();
      await page.getByText('You are online.').waitFor();
      await expect.poll(() => page.getByRole('button', { name: 'Online' }).getAttribute('aria-pressed')).toBe('true');
    }
    const widget = await api.call('GET', `/v1/sites/${siteId}/widget`);
    expect(widget.body.operators.map((operator: { id: string }) => operator.id).sort()).toEqual(['ann', 'ben']);
  });

  it('gives four visitors\' chats to the two operators in turn, and the console lists them', async () => {
    const names: string[] = [];
    for (let visitor = 0; visitor < 4; visitor += 1) {
      const { text } = await visitorStartsChat({ shot: visitor === 0 ? 'widget' : undefined });
      names.push(chattingWith(text)!);
    }
    expect(new Set(names)).toEqual(new Set(['Ann', 'Ben']));
    expect(names[1]).not.toBe(names[0]);
    expect(names[2]).toBe(names[0]);
    expect(names[3]).toBe(names[1]);

    await expect.poll(() => consoleAnn.getByRole('button', { name: /^Close chat with/ }).count(), { timeout: 10_000 }).toBe(2);
    await screenshot(consoleAnn, 'console', { fullPage: true });
    await consoleAnn.getByRole('button', { name: /^Close chat with/ }).first().click();
    await expect.poll(() => consoleAnn.getByRole('button', { name: /^Close chat with/ }).count(), { timeout: 10_000 }).toBe(1);
  });

  it('sends the next chat to the other operator when one sets away', async () => {
    await consoleAnn.getByRole('button', { name: 'Away' }).click();
    await consoleAnn.getByText('You are away.').waitFor();
    for (let visitor = 0; visitor < 2; visitor += 1) {
      expect(chattingWith((await visitorStartsChat()).text)).toBe('Ben');
    }
  });

  it('lets a visitor pick an operator once the admin allows it', async () => {
    await consoleAnn.getByRole('button', { name: 'Online' }).click();
    await consoleAnn.getByText('You are online.').waitFor();
    await admin.getByLabel('Visitors may choose an operator').check();
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText('Settings saved.').waitFor();
    const { text, dialog, page } = await visitorStartsChat({ pick: 'Ann' });
    expect(chattingWith(text)).toBe('Ann');
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await dialog.getByText('Chat ended').waitFor();
    await page.close();
  });

  it('shows the shared avatar instead of the operators\' avatars once uploaded', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'avatar-')), 'avatar.png');
    writeFileSync(file, PNG);
    await admin.getByLabel('Shared avatar').setInputFiles(file);
    await admin.getByText('Avatar uploaded.').waitFor();
    const preview = admin.getByRole('img', { name: 'Shared avatar preview' });
    await preview.waitFor();
    const sharedUrl = await preview.getAttribute('src');
    expect(sharedUrl).toMatch(/\/avatars\/.+\.png$/);

    const page = await newPage();
    await page.goto(hostUrl);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const items = page.getByRole('list', { name: 'Operators' }).getByRole('listitem');
    await expect.poll(() => items.count()).toBe(2);
    const sources = await page.locator('#chatdist-widget').evaluate((host) =>
      [...host.shadowRoot!.querySelectorAll('li img.avatar')].map((img) => img.getAttribute('src')),
    );
    expect(sources).toEqual([sharedUrl, sharedUrl]);
    await screenshot(page, 'widget-shared-avatar');
  });

  it('queues the visitor when everyone is offline; the visitor may leave the queue', async () => {
    for (const page of [consoleAnn, consoleBen]) {
      await page.getByRole('button', { name: 'Offline' }).click();
      await page.getByText('You are offline.').waitFor();
    }
    // Chats wait by default (queueEnabled); queue-widget.test.ts follows one until it is assigned.
    const { text, dialog } = await visitorStartsChat({ shot: 'widget-waiting' });
    expect(text).toMatch(/^You are number 1 in the queue\b/);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended').waitFor();
    expect((await api.call('GET', `/v1/sites/${siteId}/queue`, { token: adminToken })).body.waiting).toEqual([]);
  });

  it('lets the admin set the waiting queue, checking the limits, and turn it off', async () => {
    const settings = async () => (await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken })).body;
    const maxWaiting = admin.getByLabel('Max waiting chats (empty: no limit)');
    const maxWait = admin.getByLabel('Max wait (seconds, 10 to 86400)');
    const save = admin.getByRole('button', { name: 'Save settings' });

    // Out of range: the browser refuses the form, and nothing is sent.
    await maxWait.fill('5');
    await save.click();
    expect(await maxWait.evaluate((input) => (input as unknown as { validity: { rangeUnderflow: boolean } }).validity.rangeUnderflow)).toBe(true);
    await maxWaiting.fill('0');
    await maxWait.fill('120');
    await save.click();
    expect(await maxWaiting.evaluate((input) => (input as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    expect(await settings()).toMatchObject({ queueEnabled: true, maxWaitingChats: null, maxWaitSeconds: 600 });

    await maxWaiting.fill('5');
    await save.click();
    await expect.poll(settings).toMatchObject({ queueEnabled: true, maxWaitingChats: 5, maxWaitSeconds: 120 });

    await admin.getByLabel('Queue chats when nobody is available').uncheck();
    await maxWaiting.fill('');
    await save.click();
    await expect.poll(settings).toMatchObject({ queueEnabled: false, maxWaitingChats: null, maxWaitSeconds: 120 });
    expect(await maxWaiting.inputValue()).toBe('');
    expect(await maxWait.inputValue()).toBe('120');

    // Returning visitors: off when empty, else 1 to 365 days.
    const returning = admin.getByLabel(/Send returning visitors back to their operator/);
    expect(await returning.inputValue()).toBe('');
    await returning.fill('30');
    await save.click();
    await expect.poll(settings).toMatchObject({ returningVisitorDays: 30 });
    await returning.fill('');
    await save.click();
    await expect.poll(settings).toMatchObject({ returningVisitorDays: null });

    // Retention: 90 days unless changed, 1 to 3650.
    const keep = admin.getByLabel('Keep chats (days, 1 to 3650)');
    expect(await keep.inputValue()).toBe('90');
    await keep.fill('30');
    await save.click();
    await expect.poll(settings).toMatchObject({ retentionDays: 30 });
  });

  it('tells the visitor the request was recorded when everyone is offline and the queue is off', async () => {
    const { text } = await visitorStartsChat({ shot: 'widget-recorded' });
    expect(text).toContain('Your request has been recorded');
  });

  it('takes an operator offline when it signs out of the console', async () => {
    await consoleAnn.getByRole('button', { name: 'Online' }).click();
    await consoleAnn.getByText('You are online.').waitFor();
    expect((await api.call('GET', `/v1/sites/${siteId}/widget`)).body.operators.map((o: { id: string }) => o.id)).toEqual(['ann']);
    await consoleAnn.getByRole('button', { name: 'Sign out' }).click();
    await consoleAnn.getByLabel('Operator token').waitFor();
    await expect.poll(async () => (await api.call('GET', `/v1/sites/${siteId}/widget`)).body.operators).toEqual([]);
  });

  it('keeps to one global and its own styles, is keyboard-operable, and fits a phone', async () => {
    const page = await newPage({ mobile: true });
    await page.goto(hostUrl);
    const launcher = page.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    const added = await page.evaluate(() => {
      const page = globalThis as unknown as { __keysBefore: string[] };
      return Object.keys(page).filter((key) => key !== '__keysBefore' && !page.__keysBefore.includes(key));
    });
    expect(added).toEqual(['ChatWidget']);
    const background = await launcher.evaluate(
      (node) =>
        (globalThis as unknown as { getComputedStyle(node: unknown): { backgroundColor: string } }).getComputedStyle(node)
          .backgroundColor,
    );
    expect(background).toBe('rgb(36, 87, 214)');

    await launcher.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Chat with us' });
    await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
  });
});
