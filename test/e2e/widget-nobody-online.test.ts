import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { closeAfterAll, launchChromium, watchedPages } from './browser.js';

/**
 * The widget when nobody can take a chat, in Chromium against the real local server: what it
 * offers matches what it says (a message can be left whenever it says so), and operators who
 * are offline or away are never called busy, before the chat, while it waits, after a reload.
 * Only operators online but full are "busy".
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let hostDir: string;
// Polling only (the socket refused): this file's server runs no live notifier.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'widget-nobody-'));

/** The widget looks at a waiting chat every 2 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  hostDir = join(workDir, 'host');
  mkdirSync(hostDir);
  api = await startTestApi({
    statics: [
      { prefix: '/host', folder: hostDir },
      { prefix: '/', folder: dist },
    ],
  });
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);

/** A customer's page embedding the site's widget, at /host/<name>/. */
function hostPage(name: string, siteId: string) {
  mkdirSync(join(hostDir, name));
  writeFileSync(
    join(hostDir, name, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${siteId}" async></script></body></html>`,
  );
  return `${api.url}/host/${name}/`;
}

async function openWidget(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
  return dialog;
}

/** All the text the widget shows. */
const everything = (dialog: Locator) => dialog.evaluate((node) => (node as unknown as { innerText: string }).innerText);
const placeLine = (dialog: Locator) => dialog.getByRole('status');

async function setStatus(site: Site, id: string, status: 'online' | 'away' | 'offline') {
  const reply = await api.call('PUT', `/v1/sites/${site.siteId}/operators/${id}/status`, { token: site.tokens[id], body: { status } });
  expect(reply.status).toBe(200);
}

describe('the widget with nobody online (the queue on)', () => {
  let site: Site;
  let url: string;

  beforeAll(async () => {
    site = await apiSite(api, ['olga'], { online: false });
    url = hostPage('nobody', site.siteId);
  });

  it('offers "Leave a message" when it says a message can be left', async () => {
    const dialog = await openWidget(await newPage(), url);
    await dialog.getByText('No operator is online right now. You can still leave a message.').waitFor();
    await dialog.getByRole('button', { name: 'Leave a message' }).waitFor();
    expect(await everything(dialog)).not.toMatch(/busy/i);
  });

  it('says nobody is online, not that operators are busy, while the chat waits, and after a reload', async () => {
    const page = await newPage();
    const dialog = await openWidget(page, url);
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).click();
    await placeLine(dialog).filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    await dialog.getByText('No operator is online right now. Please stay: we will connect you as soon as one comes online.', { exact: false }).waitFor();
    expect(await everything(dialog)).not.toMatch(/busy/i);

    // The widget's next looks at the chat keep saying so; so does the page after a reload.
    await page.waitForResponse((response) => /\/chats\/[^/]+$/.test(new URL(response.url()).pathname) && response.request().method() === 'GET', { timeout: FEW_SECONDS });
    expect(await everything(dialog)).not.toMatch(/busy/i);
    await page.reload();
    await page.getByRole('button', { name: 'Chat with us' }).click();
    await placeLine(dialog).filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    await dialog.getByText(/^No operator is online right now\. Please stay/).waitFor();
    expect(await everything(dialog)).not.toMatch(/busy/i);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
  });

  it('says nobody is online while a message left with an e-mail address waits', async () => {
    const dialog = await openWidget(await newPage(), url);
    await dialog.getByRole('button', { name: 'Leave a message' }).click();
    await dialog.getByLabel('Your e-mail').fill('ida@example.com');
    await dialog.getByLabel('Your message', { exact: true }).fill('Do you deliver on Sundays?');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await dialog.getByText('If nobody can take your chat, we will write to you at ida@example.com.').waitFor();
    await dialog.getByText(/^No operator is online right now\. Please stay/).waitFor();
    expect(await everything(dialog)).not.toMatch(/busy/i);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
  });

  it('with only an operator away: says so in words, offers a message, and calls nobody busy', async () => {
    await setStatus(site, 'olga', 'away');
    const dialog = await openWidget(await newPage(), url);
    const olga = dialog.getByRole('list', { name: 'Operators' }).getByRole('listitem');
    await expect.poll(() => olga.textContent()).toMatch(/Operator olga\s*away/);
    await dialog.getByText(/^Nobody is free right now: start a chat .* or leave a message/).waitFor();
    await dialog.getByRole('button', { name: 'Leave a message' }).waitFor();
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).click();
    await placeLine(dialog).filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    await dialog.getByText(/^No operator is online right now\. Please stay/).waitFor();
    expect(await everything(dialog)).not.toMatch(/busy/i);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    await setStatus(site, 'olga', 'offline');
  });
});

describe('the widget with operators online but all full', () => {
  it('says they are busy (they are), and offers no message form it does not speak of', async () => {
    const site = await apiSite(api, ['ann'], { maxChats: 1 });
    const held = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-holding' } });
    expect(held.status).toBe(201);
    const dialog = await openWidget(await newPage(), hostPage('full', site.siteId));
    expect(await everything(dialog)).not.toMatch(/leave a message/i);
    expect(await dialog.getByRole('button', { name: 'Leave a message' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).click();
    await placeLine(dialog).filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    await dialog.getByText(/^All our operators are busy right now\./).waitFor();
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    expect(refused).toEqual([]);
  });
});
