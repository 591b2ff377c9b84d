import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { IMAGES } from '../support/images.js';
import { launchChromium } from './browser.js';

let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let site: Awaited<ReturnType<typeof apiSite>>;
const workDir = mkdtempSync(join(tmpdir(), 'csp-'));

/** What Chromium refused under a content security policy, from the page and from its console. */
interface Refusals {
  events: string[];
  console: string[];
}

async function watchedPage(): Promise<{ page: Page; refusals: () => Promise<Refusals> }> {
  const page = await context.newPage();
  const consoleMessages: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted Type|Refused to/i.test(message.text())) consoleMessages.push(message.text());
  });
  page.on('pageerror', (error) => consoleMessages.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    type Violation = { violatedDirective: string; blockedURI: string };
    const scope = globalThis as unknown as {
      __refused: string[];
      document: { addEventListener(type: string, listener: (event: Violation) => void): void };
    };
    const seen: string[] = [];
    scope.__refused = seen;
    scope.document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return {
    page,
    refusals: async () => ({
      events: await page.evaluate(() => (globalThis as unknown as { __refused: string[] }).__refused),
      console: consoleMessages,
    }),
  };
}

/** A computed style property of the element (run in the page). */
const styleOf = (locator: Locator, property: string) =>
  locator.evaluate(
    (element, name) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(element)[name],
    property,
  );

/** The decoded width of an image element, once it has loaded (run in the page). */
const naturalWidth = (locator: Locator) =>
  locator.evaluate(
    (image) =>
      new Promise<number>((resolve) => {
        const element = image as unknown as { complete: boolean; naturalWidth: number; addEventListener(type: string, listener: () => void): void };
        if (element.complete) resolve(element.naturalWidth);
        else for (const type of ['load', 'error']) element.addEventListener(type, () => resolve(element.naturalWidth));
      }),
  );

beforeAll(async () => {
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  const hostDir = join(workDir, 'host');
  mkdirSync(hostDir);
  // Another site framing our pages.
  writeFileSync(
    join(hostDir, 'index.html'),
    '<!doctype html><title>Framer</title><iframe name="admin" src="/admin/"></iframe><iframe name="console" src="/console/"></iframe><iframe name="index" src="/"></iframe>',
  );
  api = await startTestApi({
    statics: [
      { prefix: '/framer', folder: hostDir, index: 'index.html' },
      { prefix: '/', folder: dist },
    ],
  });
  site = await apiSite(api, ['ann'], { online: false });
  browser = await launchChromium();
  context = await browser.newContext();
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.close();
});

describe('the pages under their content security policy, in Chromium', () => {
  it('admin: signs in, shows its own styles, uploads and previews the avatar, adds an operator, with nothing refused', async () => {
    const { page, refusals } = await watchedPage();
    await page.goto(`${api.url}/admin/`);
    await page.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    // admin.css (formerly an inline style element) applies.
    expect(await styleOf(page.locator('#signed-in'), 'display')).toBe('grid');

    const file = join(workDir, 'avatar.png');
    writeFileSync(file, IMAGES.png);
    await page.getByLabel('Shared avatar').setInputFiles(file);
    const preview = page.getByRole('img', { name: 'Shared avatar preview' });
    await preview.waitFor();
    expect(await naturalWidth(preview)).toBe(8);

    await page.getByLabel('Operator id').fill('ben');
    await page.getByLabel('Operator name').fill('Ben');
    await page.getByRole('button', { name: 'Add operator' }).click();
    await page.getByText('Operator token for Ben').waitFor();
    expect(await styleOf(page.locator('#new-operator-token'), 'flexGrow')).toBe('1');
    await page.getByRole('row', { name: /\bBen\b/ }).first().waitFor();

    expect(await refusals()).toEqual({ events: [], console: [] });
  });

  it("console: signs in, goes online and opens its live socket (ws:// on its own host: connect-src 'self' covers it), with nothing refused", async () => {
    const { page, refusals } = await watchedPage();
    await page.goto(`${api.url}/console/`);
    await page.getByLabel('Operator token', { exact: true }).fill(site.tokens.ann!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Online' }).click();
    await page.locator('button[data-status="online"][aria-pressed="true"]').waitFor();
    const operators = await api.call('GET', `/v1/sites/${site.siteId}/operators`, { token: site.adminToken });
    expect(operators.body.operators.find((operator: { id: string }) => operator.id === 'ann').status).toBe('online');
    // The socket named by GET /v1/me (ws://localhost:<port>/v1/live) authenticated under the page's policy.
    const me = await api.call('GET', '/v1/me', { token: site.tokens.ann });
    expect(me.body.liveUrl).toBe(`${api.url.replace('http://', 'ws://')}/v1/live`);
    await expect.poll(() => page.locator('html').getAttribute('data-live')).toBe('up');
    expect(await refusals()).toEqual({ events: [], console: [] });
  });

  it('refuses to be framed (console and admin), while the root page may be', async () => {
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes("frame-ancestors 'none'")) refused.push(message.text());
    });
    await page.goto(`${api.url}/framer/`); // waits for the frames' load events, refused or not
    const frame = (name: string) => page.frames().find((candidate) => candidate.name() === name)!;
    await expect(frame('index').locator('h1').textContent()).resolves.toBe('Chat distribution');
    for (const name of ['admin', 'console']) {
      expect(frame(name).url(), name).not.toContain(`/${name}/`);
      expect(await frame(name).locator('#sign-in-form').count(), name).toBe(0);
    }
    expect(refused).toHaveLength(2);
  });
});
