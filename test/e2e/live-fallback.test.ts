import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium, watchedPages } from './browser.js';

/**
 * When the socket cannot be reached, the pages work by polling. The service names a socket on a
 * port where nothing listens (LIVE_URL, as in AWS where it names the WebSocket API): the widget's
 * connection is refused, and the console's page policy (connect-src 'self') refuses that other
 * origin before any connection, as it would in AWS if the CDK did not add the WebSocket API's
 * origin to it. Both pages say they are not live (`data-live="down"`) and still show a new chat
 * (with its sound and title count), a waiting visitor connected when an operator comes online,
 * and messages both ways, from their polling (the console every 4 s, the widget every 2 s).
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let hostDir: string;
let liveUrl: string;
const pages = watchedPages(() => browser);
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'live-fallback-'));

/** The console polls every 4 s, the widget every 2 s, dispatch within 2 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

/** A port nothing listens on (it was free a moment ago, and is closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  hostDir = join(workDir, 'host');
  mkdirSync(hostDir);
  liveUrl = `ws://127.0.0.1:${await closedPort()}/v1/live`;
  // Read by the handlers' configuration, once, in this file's process.
  process.env.LIVE_URL = liveUrl;
  api = await startTestApi({
    isolated: true,
    dispatcher: true,
    statics: [
      { prefix: '/host', folder: hostDir },
      { prefix: '/', folder: dist },
    ],
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  delete process.env.LIVE_URL;
  await pages.close();
  await browser?.close();
  await api?.close();
});

function hostPage(name: string, siteId: string) {
  mkdirSync(join(hostDir, name));
  writeFileSync(
    join(hostDir, name, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${siteId}" async></script></body></html>`,
  );
  return `${api.url}/host/${name}/`;
}

async function consoleOf(token: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${api.url}/console/`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My open chats' }).waitFor();
  return page;
}

async function openWidget(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
  return dialog;
}

const liveState = (page: Page) => page.locator('html').getAttribute('data-live');
const widgetLiveState = (page: Page) => page.locator('#chatdist-widget').getAttribute('data-live');

describe('the pages when the socket cannot be reached', () => {
  let site: Site;

  beforeAll(async () => {
    site = await apiSite(api, ['ann']);
  });

  it('the service names the unreachable socket', async () => {
    expect((await api.call('GET', `/v1/sites/${site.siteId}/widget`)).body.liveUrl).toBe(liveUrl);
    expect((await api.call('GET', '/v1/me', { token: site.tokens.ann })).body.liveUrl).toBe(liveUrl);
  });

  it('the console shows a new chat by polling, with its sound and title count, and messages go both ways', async () => {
    const ann = await consoleOf(site.tokens.ann!);
    await ann.getByText('No open chats.').waitFor();
    expect(await liveState(ann)).toBe('down');

    const visitor = await newPage();
    const dialog = await openWidget(visitor, hostPage('chat', site.siteId));
    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    await dialog.getByText('You are chatting with Operator ann.').waitFor();
    expect(await widgetLiveState(visitor)).toBe('down');

    await ann.getByRole('button', { name: /^Close chat with / }).waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => ann.title()).toBe('(1) Operator console');
    expect(await ann.locator('html').getAttribute('data-sound-plays')).toBe('1');

    await dialog.getByLabel('Your message', { exact: true }).fill('Are you there?');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await ann.getByRole('button', { name: /^Messages with .* \(1 new\)$/ }).click({ timeout: FEW_SECONDS });
    const annLog = ann.getByRole('log', { name: 'Messages' });
    await annLog.getByText('Are you there?').waitFor({ timeout: FEW_SECONDS });
    await ann.getByLabel('Reply').fill('I am, by polling.');
    await ann.getByLabel('Reply').press('Enter');
    await dialog.getByRole('log', { name: 'Messages' }).getByText('I am, by polling.').waitFor({ timeout: FEW_SECONDS });
    await dialog.getByLabel('Your message', { exact: true }).fill('Good.');
    await dialog.getByLabel('Your message', { exact: true }).press('Enter');
    await annLog.getByText('Good.').waitFor({ timeout: FEW_SECONDS });

    // Still down (the socket is tried again with backoff, and refused each time).
    expect(await liveState(ann)).toBe('down');
    expect(await widgetLiveState(visitor)).toBe('down');
  });

  it('a waiting widget connects by polling when an operator comes online', async () => {
    const quiet = await apiSite(api, ['olga'], { online: false });
    const visitor = await newPage();
    const dialog = await openWidget(visitor, hostPage('waiting', quiet.siteId));
    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    await dialog.getByRole('status').filter({ hasText: /^You are number 1 in the queue/ }).waitFor();
    expect(await widgetLiveState(visitor)).toBe('down');

    const online = await api.call('PUT', `/v1/sites/${quiet.siteId}/operators/olga/status`, { token: quiet.tokens.olga, body: { status: 'online' } });
    expect(online.status).toBe(200);
    await dialog.locator('.assigned').filter({ hasText: 'You are chatting with Operator olga.' }).waitFor({ timeout: FEW_SECONDS });
  });

  it('the only thing refused is the console connecting to that other origin (its CSP), never a script or a style', () => {
    expect(refused.length).toBeGreaterThan(0);
    for (const line of refused) expect(line).toMatch(/connect-src/);
  });
});
