import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../lib/webhooks/signature.js';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { closeAfterAll, launchChromium, screenshot, watchedPages } from './browser.js';

/**
 * The admin page's Webhooks section in Chromium, against the whole local stack (the webhook
 * publisher on an isolated table's stream, the in-process queue and the sender) and a real
 * HTTP receiver (node:http on 127.0.0.1): the admin sets the URL and is shown the signing secret
 * once, with a copy button; a chat started through the API is delivered, signed with that very
 * secret, and the page lists the delivery as delivered; rotating (after a confirmation) shows
 * a new secret, which signs the next delivery; a reload shows no secret; a URL the service
 * refuses shows the service's own reason in the alert area; the URL can be removed. Then the
 * section on a phone.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let receiver: WebhookReceiver;
let site: Site;
const pages = watchedPages(() => browser);
const { refused } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'admin-webhooks-'));

/** Delivery is within a second or two locally; the page refreshes every 5 s: room for a slow machine. */
const FEW_SECONDS = 15_000;

beforeAll(async () => {
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi({ isolated: true, dispatcher: true, statics: [{ prefix: '/', folder: dist }] });
  receiver = await startWebhookReceiver();
  site = await apiSite(api, ['ann']);
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, receiver, api]);

const section = (page: Page) => page.getByRole('region', { name: 'Webhooks' });
const alertArea = (page: Page) => page.getByRole('alert');
const statusLine = (page: Page) => page.locator('#status');
const deliveriesTable = (page: Page) => page.getByRole('table', { name: 'Latest webhook deliveries, newest first' });

/** The delivery row of an event type (each row is headed by its type). */
const deliveryRow = (page: Page, type: string): Locator => deliveriesTable(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name: type, exact: true }) });

async function signedIn(page: Page) {
  await page.goto(`${api.url}/admin/`);
  await page.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
}

/** The receiver's events of `type` whose signature `secret` verifies. */
const signedWith = (secret: string, type: string) =>
  receiver.received.filter(
    (entry) => entry.json.type === type && verifySignature(secret, String(entry.headers['webhook-signature'] ?? ''), entry.body, Math.floor(Date.now() / 1000)),
  );

describe('the Webhooks section of the admin page', () => {
  let page: Page;
  let firstSecret: string;
  let chatId: string;

  it('sets a first URL and shows its signing secret once, with a copy button and a note', async () => {
    page = await pages.newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
    page.on('dialog', (dialog) => void dialog.accept()); // the confirm() before a rotation
    await signedIn(page);
    const webhooks = section(page);
    await webhooks.getByText('No deliveries yet.').waitFor();
    expect(await webhooks.getByRole('button', { name: 'Remove webhook URL' }).isDisabled()).toBe(true);

    await webhooks.getByLabel('Webhook URL').fill(receiver.url);
    await webhooks.getByRole('button', { name: 'Save webhook URL' }).click();
    await statusLine(page).getByText('Webhook URL saved. Copy the signing secret now: it will not be shown again.').waitFor();
    const secret = webhooks.getByLabel('Signing secret');
    await secret.waitFor();
    firstSecret = await secret.inputValue();
    expect(firstSecret).toMatch(/^whsec_/);
    await webhooks.getByText(`Signing secret for ${receiver.url} (shown once):`).waitFor();
    await webhooks.getByText('It will not be shown again:').waitFor();
    expect(await secret.getAttribute('readonly')).not.toBeNull();

    await webhooks.getByRole('button', { name: 'Copy secret' }).click();
    await statusLine(page).getByText('Signing secret copied.').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(
      firstSecret,
    );

    const settings = await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken });
    expect(settings.body.webhookUrl).toBe(receiver.url);
    await screenshot(page, 'admin-webhook-secret');
  });

  it('lists the delivery of a chat started through the API as delivered, signed with the secret shown', async () => {
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-hook' } });
    expect(started.status).toBe(201);
    chatId = started.body.chat.id;
    await receiver.until(() => signedWith(firstSecret, 'chat.assigned').length > 0);
    expect(signedWith(firstSecret, 'chat.assigned')[0]!.json.chat.id).toBe(chatId);

    const row = deliveryRow(page, 'chat.assigned');
    await expect
      .poll(
        async () => {
          await section(page).getByRole('button', { name: 'Refresh deliveries' }).click();
          return row.filter({ hasText: 'Delivered' }).count();
        },
        { timeout: FEW_SECONDS, interval: 1_000 },
      )
      .toBe(1);
    const cells = await row.getByRole('cell').allTextContents();
    // Time, state, attempts, response.
    expect(cells.slice(1)).toEqual(['Delivered', '1', 'HTTP 200']);
    expect(Date.parse((await row.locator('time').getAttribute('datetime'))!)).not.toBeNaN();
    await statusLine(page).getByText(/^\d+ deliver(y|ies) shown, newest first\.$/).waitFor();
  });

  it('rotates the secret after a confirmation, shows the new one once, and the next delivery is signed with it', async () => {
    const confirmed: string[] = [];
    page.once('dialog', (dialog) => void confirmed.push(dialog.message()));
    await section(page).getByRole('button', { name: 'Rotate signing secret' }).click();
    await statusLine(page).getByText('The signing secret was rotated. Copy the new one now: it will not be shown again.').waitFor();
    expect(confirmed).toEqual([expect.stringMatching(/^Rotate the webhook signing secret\?/)]);
    await section(page).getByText('New signing secret (the old one no longer signs; shown once):').waitFor();
    const second = await section(page).getByLabel('Signing secret').inputValue();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(firstSecret);

    const closed = await api.call('POST', `/v1/sites/${site.siteId}/chats/${chatId}/close`, { token: site.tokens.ann });
    expect(closed.status).toBe(200);
    await receiver.until(() => receiver.received.some((entry) => entry.json.type === 'chat.closed'));
    expect(signedWith(second, 'chat.closed')).toHaveLength(1);
    expect(signedWith(firstSecret, 'chat.closed')).toHaveLength(0);
    await deliveryRow(page, 'chat.closed').filter({ hasText: 'Delivered' }).waitFor({ timeout: FEW_SECONDS }); // the page's own refresh
  });

  it('shows no secret after a reload; the URL is there', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await expect.poll(() => section(page).getByLabel('Webhook URL').inputValue()).toBe(receiver.url);
    expect(await section(page).getByLabel('Signing secret').isVisible()).toBe(false);
    await deliveryRow(page, 'chat.assigned').waitFor();
  });

  it("shows the service's refusal of a URL in the alert area, and keeps the URL it had", async () => {
    const bad = 'http://example.com/hooks';
    const direct = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { webhookUrl: bad } });
    expect(direct.status).toBe(400);
    const reason = direct.body.error.message as string;

    await section(page).getByLabel('Webhook URL').fill(bad);
    await section(page).getByRole('button', { name: 'Save webhook URL' }).click();
    await alertArea(page).getByText(reason, { exact: true }).waitFor();
    expect(await section(page).getByLabel('Signing secret').isVisible()).toBe(false);
    const settings = await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken });
    expect(settings.body.webhookUrl).toBe(receiver.url);
  });

  it('removes the URL', async () => {
    await section(page).getByRole('button', { name: 'Remove webhook URL' }).click();
    await statusLine(page).getByText('Webhook URL removed: no more events are sent.').waitFor();
    expect(await section(page).getByLabel('Webhook URL').inputValue()).toBe('');
    expect(await section(page).getByRole('button', { name: 'Remove webhook URL' }).isDisabled()).toBe(true);
    const settings = await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken });
    expect(settings.body.webhookUrl).toBeNull();
    expect(refused).toEqual([]);
  });
});

describe('the Webhooks section on a phone', () => {
  it('fits 375 px, its table and every button on screen', async () => {
    const PHONE = { width: 375, height: 667 };
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      await signedIn(page);
      await deliveryRow(page, 'chat.closed').waitFor({ timeout: FEW_SECONDS });
      const scrollWidth = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
      expect(scrollWidth).toBe(PHONE.width);
      for (const name of ['Save webhook URL', 'Remove webhook URL', 'Rotate signing secret', 'Refresh deliveries']) {
        const button = section(page).getByRole('button', { name, exact: true });
        await button.scrollIntoViewIfNeeded();
        const box = (await button.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      }
      const table = deliveriesTable(page);
      await table.scrollIntoViewIfNeeded();
      const box = (await table.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      await screenshot(page, 'admin-webhooks-phone', { fullPage: true });
    } finally {
      await context.close();
    }
  });
});
