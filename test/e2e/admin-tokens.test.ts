import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, WEB_DIST } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium } from './browser.js';

let api: TestApi;
let browser: Browser;
let admin: Page;
let site: Awaited<ReturnType<typeof apiSite>>;

beforeAll(async () => {
  await buildWeb();
  api = await startTestApi({ statics: [{ prefix: '/', folder: WEB_DIST }] });
  site = await apiSite(api, ['ann']);
  browser = await launchChromium();
  admin = await (await browser.newContext()).newPage();
  admin.on('dialog', (dialog) => void dialog.accept()); // the confirm() before each replacement
  await admin.goto(`${api.url}/admin/`);
  await admin.getByLabel('Admin token').fill(site.adminToken);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByRole('heading', { name: 'Settings' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

const settingsWith = (token: string) => api.call('GET', `/v1/sites/${site.siteId}/settings`, { token });

describe('replacing tokens from the admin page', () => {
  it("gives an operator a new token, shown once; the old one stops working", async () => {
    await admin.getByRole('button', { name: 'New token for Operator ann' }).click();
    await admin.getByText('New operator token for Operator ann').waitFor();
    const fresh = await admin.getByLabel('Token', { exact: true }).inputValue();
    expect(fresh).not.toBe(site.tokens.ann);
    const status = (token: string) =>
      api.call('PUT', `/v1/sites/${site.siteId}/operators/ann/status`, { token, body: { status: 'away' } });
    expect((await status(site.tokens.ann!)).status).toBe(401);
    expect((await status(fresh)).status).toBe(200);
  });

  it('replaces the admin token and goes on working with the new one', async () => {
    await admin.getByRole('button', { name: 'Replace admin token' }).click();
    await admin.getByText('New admin token').waitFor();
    const fresh = await admin.getByLabel('Token', { exact: true }).inputValue();
    expect((await settingsWith(site.adminToken)).status).toBe(401);
    expect((await settingsWith(fresh)).status).toBe(200);

    await admin.getByLabel('Open chats per visitor (empty: no limit)').fill('5');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await admin.getByText('Settings saved.').waitFor();
    expect((await settingsWith(fresh)).body.maxOpenChatsPerVisitor).toBe(5);
  });
});
