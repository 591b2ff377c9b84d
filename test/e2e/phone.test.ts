import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium, screenshot } from './browser.js';

/**
 * The operator console and the admin page on a phone (375×667, in Chromium, against the real
 * local server): nothing wider than the screen, and every action button on screen and working.
 */

const PHONE = { width: 375, height: 667 };

let api: TestApi;
let browser: Browser;
let phone: BrowserContext;
let site: Awaited<ReturnType<typeof apiSite>>;
const workDir = mkdtempSync(join(tmpdir(), 'phone-'));

/** The console reads its chats every 4 s, the admin page every 5 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi({ statics: [{ prefix: '/', folder: dist }] });
  site = await apiSite(api, ['ann']);
  await api.call('PUT', `/v1/sites/${site.siteId}/groups/sales`, { token: site.adminToken, body: { name: 'Sales and returns' } });
  // Long unbroken words, as real visitors give them: they must wrap, not widen the page.
  for (const visitorId of ['visitor-with-a-rather-long-identifier-1', 'visitor-with-a-rather-long-identifier-2']) {
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, {
      body: { visitorId, message: 'Hello, I need help with order 1234567890.', contact: { name: 'Vera Visitor', email: 'vera.visitor.with.a.long.address@example.com' } },
    });
    expect(started.status).toBe(201);
  }
  browser = await launchChromium();
  phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
}, 120_000);

afterAll(async () => {
  await phone?.close();
  await browser?.close();
  await api?.close();
});

/** The page's width as scrolled, and what sticks out past the screen's right edge (to say what to fix). */
const widths = (page: Page) =>
  page.evaluate(() => {
    interface Element {
      tagName: string;
      id: string;
      className: string;
      getBoundingClientRect(): { right: number; width: number };
    }
    const scope = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): Element[] };
    };
    const sticking = [...scope.document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().width > 0 && element.getBoundingClientRect().right > scope.innerWidth + 0.5)
      .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
    return { scrollWidth: scope.document.documentElement.scrollWidth, sticking: sticking.slice(0, 10) };
  });

async function expectFitsThePhone(page: Page) {
  expect(await widths(page)).toEqual({ scrollWidth: PHONE.width, sticking: [] });
}

/** The button is shown whole within the screen's width (scrolled into view vertically, as a finger would). */
async function expectOnScreen(button: Locator) {
  await button.scrollIntoViewIfNeeded();
  expect(await button.isVisible()).toBe(true);
  const box = (await button.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
}

describe('the console at 375 px', () => {
  let page: Page;
  const visitor = 'visitor-with-a-rather-long-identifier-1';

  it('shows each chat whole, its actions on screen', async () => {
    page = await phone.newPage();
    await page.goto(`${api.url}/console/`);
    await expectFitsThePhone(page);
    await page.getByLabel('Operator token').fill(site.tokens.ann!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: `Close chat with ${visitor}` }).waitFor();
    await expectFitsThePhone(page);
    // ("Messages with … (1 new)": the visitor's first message is not read yet.)
    for (const action of ['Messages with', 'Accept chat with', 'Transfer chat with', 'Close chat with']) {
      await expectOnScreen(page.getByRole('button', { name: new RegExp(`^${action} ${visitor}\\b`) }));
    }
    // What the visitor gave is shown, wrapped.
    await page.getByText('vera.visitor.with.a.long.address@example.com').first().waitFor();
    await screenshot(page, 'console-phone', { fullPage: true });
  });

  it('lets the operator accept, open the conversation and reply, and the transfer form fits', async () => {
    await page.getByRole('button', { name: `Accept chat with ${visitor}`, exact: true }).tap();
    await page.getByRole('status').getByText(`Chat with ${visitor} accepted.`).waitFor();

    await page.getByRole('button', { name: new RegExp(`^Messages with ${visitor}\\b`) }).tap();
    const reply = page.getByLabel('Reply');
    await reply.fill('Of course, let me look.');
    await expectOnScreen(page.getByRole('button', { name: 'Send' }));
    await page.getByRole('button', { name: 'Send' }).tap();
    await page.getByRole('log', { name: 'Messages' }).getByText('Of course, let me look.').waitFor();
    await expectFitsThePhone(page);

    await page.getByRole('button', { name: `Transfer chat with ${visitor}`, exact: true }).tap();
    await page.getByLabel('Operator id').waitFor();
    await expectOnScreen(page.getByRole('button', { name: 'Transfer now' }));
    await expectFitsThePhone(page);
    await page.getByRole('button', { name: 'Cancel' }).tap();
  });

  it('lets the operator close a chat from the phone', async () => {
    await page.getByRole('button', { name: `Close chat with ${visitor}`, exact: true }).tap();
    await page.getByRole('status').getByText(`Chat with ${visitor} closed.`).waitFor();
    const chats = await api.call('GET', `/v1/sites/${site.siteId}/operators/ann/chats`, { token: site.tokens.ann });
    expect(chats.body.chats.map((chat: { visitorId: string }) => chat.visitorId)).toEqual(['visitor-with-a-rather-long-identifier-2']);
    await expectFitsThePhone(page);
  });
});

describe('the admin page at 375 px', () => {
  let page: Page;

  it('shows settings, groups, operators and follow-ups within the screen, every action on it', async () => {
    await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { queueEnabled: false } });
    await api.call('PUT', `/v1/sites/${site.siteId}/operators/ann/status`, { token: site.tokens.ann, body: { status: 'offline' } });
    const request = await api.call('POST', `/v1/sites/${site.siteId}/chats`, {
      body: { visitorId: 'visitor-leaving-a-request', message: 'Please write back.', contact: { name: 'Walt', email: 'walt.with.a.long.address@example.com' } },
    });
    expect(request.body.chat.status).toBe('unassigned');

    page = await phone.newPage();
    page.on('dialog', (dialog) => void dialog.accept()); // the confirm() before a removal
    await page.goto(`${api.url}/admin/`);
    await expectFitsThePhone(page);
    await page.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Rename Operator ann' }).waitFor();
    await page.getByRole('list', { name: 'Follow-up requests' }).getByText('Please write back.').waitFor({ timeout: FEW_SECONDS });
    await expectFitsThePhone(page);
    for (const name of [
      'Save settings',
      'Edit Sales and returns',
      'Delete Sales and returns',
      'Save limit for Operator ann',
      'Save groups for Operator ann',
      'Rename Operator ann',
      'New token for Operator ann',
      'Remove Operator ann',
      'Add operator',
      'Done: the request of Walt is handled',
      'Copy snippet',
    ]) {
      await expectOnScreen(page.getByRole('button', { name, exact: true }));
    }
    await screenshot(page, 'admin-phone', { fullPage: true });
  });

  it('lets the admin change a limit, rename an operator and handle a request from the phone', async () => {
    await page.getByLabel('Max chats for Operator ann').fill('3');
    await page.getByRole('button', { name: 'Save limit for Operator ann' }).tap();
    await page.getByRole('status').getByText('Max chats for Operator ann: 3.').waitFor();

    await page.getByRole('button', { name: 'Rename Operator ann' }).tap();
    await page.getByLabel('New name for Operator ann').fill('Ann Lee');
    await expectFitsThePhone(page);
    await page.getByRole('button', { name: 'Save', exact: true }).tap();
    await page.getByRole('status').getByText('Operator ann renamed to Ann Lee.').waitFor();

    await page.getByRole('button', { name: 'Done: the request of Walt is handled' }).tap();
    await page.getByRole('status').getByText('The request of Walt is done.').waitFor();
    const ann = (await api.call('GET', `/v1/sites/${site.siteId}/operators`, { token: site.adminToken })).body.operators[0];
    expect(ann).toMatchObject({ name: 'Ann Lee', maxChats: 3 });
    await expectFitsThePhone(page);
  });
});
