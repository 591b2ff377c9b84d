import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { TOKEN_NO_LONGER_WORKS, UNKNOWN_TOKEN } from '../../web/src/shared/sign-in.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { closeAfterAll, launchChromium, watchedPages } from './browser.js';

/**
 * Signing in to the console and the admin page with the wrong token, in Chromium against the
 * real local server: a sentence for a person (not the API's wording) in the error area
 * (role="alert"), apart from the success notices (role="status"); a token copied with line
 * breaks or a "Bearer " prefix still works; a token replaced meanwhile signs the page out, saying so.
 */

let api: TestApi;
let browser: Browser;
// Polling only (the socket refused): a replaced token is found by the console's next poll (4 s); with the socket up it is the
// once-a-minute look or the next heartbeat.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
let site: Awaited<ReturnType<typeof apiSite>>;
const workDir = mkdtempSync(join(tmpdir(), 'sign-in-'));

/** The console reads every 4 s, the admin page every 5 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi({ statics: [{ prefix: '/', folder: dist }] });
  site = await apiSite(api, ['ann'], { online: false });
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);

/** A token that was never valid: as long as a real one, but unknown to the service. */
const NEVER_VALID = 'x'.repeat(43);

/** What the page's error area and status line say now. */
const messages = async (page: Page) => ({
  error: (await page.getByRole('alert').textContent())?.trim() ?? '',
  status: (await page.getByRole('status').textContent())?.trim() ?? '',
});

/** Signs in with `token` as typed; waits for either area to speak (emptied first, so that the answer to this try is read). */
async function signIn(page: Page, label: string, token: string) {
  await page.evaluate(() => {
    const scope = globalThis as unknown as { document: { querySelectorAll(selector: string): { textContent: string }[] } };
    for (const area of scope.document.querySelectorAll('[role=alert], [role=status]')) area.textContent = '';
  });
  await page.getByLabel(label, { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(async () => Object.values(await messages(page)).join(''), { timeout: FEW_SECONDS }).not.toBe('');
  return messages(page);
}

const hasFocus = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((node) => (node as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === node);

describe('signing in to the console', () => {
  let page: Page;
  const label = 'Operator token';

  beforeAll(async () => {
    page = await newPage();
    await page.goto(`${api.url}/console/`);
  });

  it('says a never-valid token is not recognised (not "no longer valid"), in the error area, and keeps the field to correct it', async () => {
    expect(await signIn(page, label, NEVER_VALID)).toEqual({ error: UNKNOWN_TOKEN, status: '' });
    expect(UNKNOWN_TOKEN).toBe('That token is not recognised. Check you copied the whole token.');
    expect(await hasFocus(page, label)).toBe(true);
  });

  it('says which page an admin or the platform token is for', async () => {
    expect(await signIn(page, label, site.adminToken)).toEqual({
      error: 'This is an admin token: it opens the admin page (/admin/), not the operator console. Sign in here with an operator token (your admin gives you one).',
      status: '',
    });
    expect(await signIn(page, label, api.platformToken)).toEqual({
      error: 'This is the platform token: it creates sites and opens no page. Sign in here with an operator token (your admin gives you one).',
      status: '',
    });
  });

  it('signs in with a token copied with a line break and a "Bearer " prefix: the success in the status line, the error gone', async () => {
    const token = site.tokens.ann!;
    const copied = `Bearer ${token.slice(0, 20)}\n${token.slice(20)} `;
    expect((await messages(page)).error).toMatch(/^This is the platform token/); // from the try before
    await page.getByLabel(label, { exact: true }).fill(copied);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => messages(page), { timeout: FEW_SECONDS }).toEqual({ error: '', status: 'Signed in as Operator ann (ann).' });
    await page.getByRole('heading', { name: 'My open chats' }).waitFor();
  });

  it('signs out, saying why, once the admin replaces the token', async () => {
    const rotated = await api.call('POST', `/v1/sites/${site.siteId}/operators/ann/token`, { token: site.adminToken });
    expect(rotated.status).toBe(200);
    site.tokens.ann = rotated.body.operatorToken;
    await page.getByLabel(label, { exact: true }).waitFor({ timeout: FEW_SECONDS }); // the next refresh is refused
    expect(await messages(page)).toEqual({ error: TOKEN_NO_LONGER_WORKS.operator, status: '' });
    expect(refused).toEqual([]);
  });
});

describe('signing in to the admin page', () => {
  let page: Page;
  const label = 'Admin token';

  beforeAll(async () => {
    page = await newPage();
    await page.goto(`${api.url}/admin/`);
  });

  it('says a never-valid token is not recognised, in the error area, not the API\'s "A valid bearer token is required."', async () => {
    expect(await signIn(page, label, NEVER_VALID)).toEqual({ error: UNKNOWN_TOKEN, status: '' });
    expect(await hasFocus(page, label)).toBe(true);
  });

  it('says which page an operator or the platform token is for', async () => {
    expect(await signIn(page, label, site.tokens.ann!)).toEqual({
      error: 'This is an operator token: it opens the operator console (/console/), not the admin page. Sign in here with your site’s admin token (shown once when the site was created).',
      status: '',
    });
    expect(await signIn(page, label, api.platformToken)).toEqual({
      error: 'This is the platform token: it creates sites and opens no page. Sign in here with your site’s admin token (shown once when the site was created).',
      status: '',
    });
  });

  it('signs in with the admin token: the success in the status line, the error gone', async () => {
    expect((await messages(page)).error).toMatch(/^This is the platform token/); // from the try before
    await page.getByLabel(label, { exact: true }).fill(` ${site.adminToken}\n`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => messages(page), { timeout: FEW_SECONDS }).toEqual({ error: '', status: 'Signed in.' });
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
  });

  it('signs out, saying why, once the admin token is replaced elsewhere', async () => {
    const rotated = await api.call('POST', `/v1/sites/${site.siteId}/admin-token`, { token: api.platformToken });
    expect(rotated.status).toBe(200);
    await page.getByLabel(label, { exact: true }).waitFor({ state: 'visible', timeout: FEW_SECONDS });
    await expect.poll(() => messages(page)).toEqual({ error: TOKEN_NO_LONGER_WORKS.admin, status: '' });
    expect(refused).toEqual([]);
  });
});
