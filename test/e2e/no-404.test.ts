import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoHostPage } from '../../infra/local/demo-page.js';
import { startLocalServer } from '../../infra/local/server.js';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium } from './browser.js';

/**
 * Loading the pages asks for nothing that is not there: the demo page (with its widget opened),
 * our root page, the console and the admin page, in Chromium, served as `npm start` serves
 * them. The server itself records what it answered: the browser asks for /favicon.ico on its
 * own when a page names no icon, which the page's own events never show (a bare page, the
 * control, shows that request and its 404 within the same wait).
 */

let api: TestApi;
let browser: Browser;
let local: Awaited<ReturnType<typeof startLocalServer>>;
/** Every request the server answered: "GET /path 200". */
const answered: string[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'no-404-'));

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi(); // the tables and the environment the handlers read
  const site = await apiSite(api, ['ann']);
  const demoDir = join(workDir, 'demo');
  mkdirSync(demoDir);
  writeFileSync(join(demoDir, 'index.html'), demoHostPage(site.siteId));
  const bareDir = join(workDir, 'bare');
  mkdirSync(bareDir);
  writeFileSync(join(bareDir, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare</title></head><body><h1>Bare</h1></body></html>');
  // As infra/local/start.ts mounts them; our root page (the demo's place in AWS) under /aws-root/.
  local = await startLocalServer({
    port: 0,
    statics: [
      { prefix: '/aws-root', folder: dist, index: 'index.html' },
      { prefix: '/bare', folder: bareDir, index: 'index.html' },
      { prefix: '/', folder: demoDir, index: 'index.html' },
      { prefix: '/', folder: dist },
    ],
  });
  local.server.on('request', (request, response) => {
    response.on('finish', () => answered.push(`${request.method} ${request.url} ${response.statusCode}`));
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await local?.close();
  await api?.close();
});

const failures = () => answered.filter((line) => !/ [23]\d\d$/.test(line));

/** Loads the page in a fresh context (no icon cached) and waits until the browser is done asking; returns what the page itself saw fail. */
async function load(path: string, then?: (page: Page) => Promise<void>) {
  answered.length = 0;
  const context = await browser.newContext();
  const page = await context.newPage();
  const failedForPage: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failedForPage.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${local.url}${path}`);
  await then?.(page);
  await page.waitForLoadState('networkidle');
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the icon is asked for after the load
  const icons = await page.locator('link[rel~="icon"]').evaluateAll((links) => links.map((link) => (link as unknown as { href: string }).href));
  await context.close();
  return { failedForPage, icons };
}

describe('page loads', () => {
  it('the control: a page naming no icon makes the browser ask for /favicon.ico, which 404s', async () => {
    const { icons } = await load('/bare/');
    expect(icons).toEqual([]);
    expect(failures()).toEqual(['GET /favicon.ico 404']);
  });

  for (const [name, path] of [
    ['the demo page', '/'],
    ['our root page', '/aws-root/'],
    ['the console', '/console/'],
    ['the admin page', '/admin/'],
  ] as const) {
    it(`${name}: names its icon inline, and no request fails`, async () => {
      const { failedForPage, icons } = await load(path, async (page) => {
        if (path !== '/') return;
        await page.getByRole('button', { name: 'Chat with us' }).click();
        await page.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
      });
      expect(icons).toHaveLength(1);
      expect(icons[0]).toMatch(/^data:image\/svg\+xml,/);
      expect(failures()).toEqual([]);
      expect(failedForPage).toEqual([]);
      // The widget's own requests were among those checked.
      if (path === '/') expect(answered).toContainEqual(expect.stringMatching(/^GET \/v1\/sites\/[^/]+\/widget 200$/));
    });
  }
});
