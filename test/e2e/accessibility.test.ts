import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { axeCheck, inShadowRoot } from './axe.js';
import { closeAfterAll, launchChromium, watchedPages } from './browser.js';

/**
 * The widget (closed, open, waiting, connected, ended, the follow-up form), the operator console
 * (with its sound toggle, both ways) and the admin page (with its Webhooks section: a secret
 * shown, deliveries listed) under axe-core in Chromium, against the real local server: no serious
 * or critical violation, colour contrast checked inside the widget's shadow root too. Then the
 * widget used with the keyboard alone, the focus visible at each step.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let hostDir: string;
// Polling only (the socket refused): this file's server runs no live notifier, and axe does not care how the page got its data.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'accessibility-'));
/** Ann is online (chats are assigned); on the quiet site nobody is (chats wait). */
let site: Site;
let quietSite: Site;

/** The widget and the console read every few seconds: room for a slow machine. */
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
  site = await apiSite(api, ['ann']);
  quietSite = await apiSite(api, ['olga'], { online: false });
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);

/** A customer's page embedding the site's widget, at /host/<name>/ (a main landmark of its own, as a real page has). */
function hostPage(name: string, siteId: string) {
  mkdirSync(join(hostDir, name));
  writeFileSync(
    join(hostDir, name, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><main><h1>Shop</h1><p>Our products.</p></main>
<script src="/widget.js" data-site="${siteId}" async></script></body></html>`,
  );
  return `${api.url}/host/${name}/`;
}

const WIDGET = '#chatdist-widget';

/** axe on the widget alone (its host and shadow root): no serious or critical violation; returns what color-contrast checked. */
async function expectAccessibleWidget(page: Page) {
  const { serious, contrastChecked } = await axeCheck(page, WIDGET);
  expect(serious).toEqual([]);
  return contrastChecked;
}

async function expectAccessiblePage(page: Page) {
  const { serious } = await axeCheck(page);
  expect(serious).toEqual([]);
}

describe('axe-core on the widget', () => {
  let page: Page;
  let dialog: Locator;

  beforeAll(async () => {
    page = await newPage();
    await page.goto(hostPage('widget', site.siteId));
    dialog = page.getByRole('dialog', { name: 'Chat with us' });
  });

  it('closed: the launcher, its contrast checked inside the shadow root', async () => {
    await page.getByRole('button', { name: 'Chat with us' }).waitFor();
    const checked = await expectAccessibleWidget(page);
    // axe went into the shadow root: the launcher is named through its host.
    expect(checked).toContainEqual([[WIDGET, '.launcher']]);
  });

  it('open: the start form, every text of it checked for contrast', async () => {
    await page.getByRole('button', { name: 'Chat with us' }).click();
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
    const checked = await expectAccessibleWidget(page);
    expect(checked.length).toBeGreaterThanOrEqual(8);
    expect(checked.every(inShadowRoot)).toBe(true);
  });

  it('catches a colour the widget would get wrong (the rule really runs in the shadow root)', async () => {
    const other = await newPage();
    await other.goto(hostPage('widget-pale', site.siteId));
    await other.getByRole('button', { name: 'Chat with us' }).waitFor();
    await other.locator(WIDGET).evaluate((host) => {
      const root = (host as unknown as { shadowRoot: { append(node: unknown): void; ownerDocument?: unknown } }).shadowRoot;
      const doc = (globalThis as unknown as { document: { createElement(tag: string): { textContent: string } } }).document;
      const style = doc.createElement('style');
      style.textContent = '.launcher { background: #9db7ff !important; }';
      root.append(style);
    });
    const { results } = await axeCheck(other, WIDGET);
    const contrast = results.violations.find((violation) => violation.id === 'color-contrast');
    expect(contrast?.nodes.map((node) => node.target)).toEqual([[[WIDGET, '.launcher']]]);
  });

  it('connected: the conversation, with a log long enough to scroll', async () => {
    await dialog.getByLabel('Your message (optional)').fill('Hello!');
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).click();
    await dialog.getByText('You are chatting with').waitFor();
    const chatId = (await api.call('GET', `/v1/sites/${site.siteId}/operators/ann/chats`, { token: site.tokens.ann })).body.chats[0].id;
    for (let reply = 1; reply <= 12; reply += 1) {
      const sent = await api.call('POST', `/v1/sites/${site.siteId}/chats/${chatId}/messages`, { token: site.tokens.ann, body: { text: `Reply number ${reply}.` } });
      expect(sent.status).toBe(201);
    }
    await dialog.getByText('Reply number 12.').waitFor({ timeout: FEW_SECONDS });
    const log = dialog.getByRole('log', { name: 'Messages' });
    expect(await log.evaluate((node) => (node as unknown as { scrollHeight: number; clientHeight: number }).scrollHeight > (node as unknown as { clientHeight: number }).clientHeight)).toBe(true);
    await expectAccessibleWidget(page);
  });

  it('ended: the thanks and a new start', async () => {
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    await expectAccessibleWidget(page);
  });

  it('waiting (nobody online), and the follow-up form', async () => {
    const waiting = await newPage();
    await waiting.goto(hostPage('widget-quiet', quietSite.siteId));
    await waiting.getByRole('button', { name: 'Chat with us' }).click();
    const quiet = waiting.getByRole('dialog', { name: 'Chat with us' });
    await quiet.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
    await expectAccessibleWidget(waiting);

    await quiet.getByRole('button', { name: 'Start chat', exact: true }).click();
    await quiet.getByRole('status').filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    await expectAccessibleWidget(waiting);

    await quiet.getByRole('button', { name: 'Leave the queue' }).click();
    await quiet.getByRole('button', { name: 'Start a new chat' }).click();
    await quiet.getByRole('button', { name: 'Leave a message' }).click();
    await quiet.getByLabel('Your e-mail').waitFor();
    await expectAccessibleWidget(waiting);
    expect(refused).toEqual([]);
  });
});

describe('axe-core on the console and the admin page', () => {
  it('console: signed out, then with a chat, its conversation and the transfer form open', async () => {
    const page = await newPage();
    await page.goto(`${api.url}/console/`);
    await page.getByLabel('Operator token').waitFor();
    await expectAccessiblePage(page);

    // A chat for Ann, with a long conversation.
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, {
      body: { visitorId: 'v-axe', message: 'Can you help me?', contact: { name: 'Vera', email: 'vera@example.com' } },
    });
    expect(started.status).toBe(201);
    for (let reply = 1; reply <= 12; reply += 1) {
      await api.call('POST', `/v1/sites/${site.siteId}/chats/${started.body.chat.id}/messages`, { token: site.tokens.ann, body: { text: `Answer ${reply}.` } });
    }
    await page.getByLabel('Operator token').fill(site.tokens.ann!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Close chat with v-axe' }).waitFor();
    await page.getByRole('button', { name: 'Online' }).click();
    await page.getByRole('status').getByText('You are online.').waitFor();
    await expectAccessiblePage(page);

    await page.getByRole('button', { name: 'Messages with v-axe' }).click();
    await page.getByRole('log', { name: 'Messages' }).getByText('Answer 12.').waitFor({ timeout: FEW_SECONDS });
    await page.getByRole('button', { name: 'Transfer chat with v-axe' }).click();
    await page.getByLabel('Operator id').waitFor();
    await expectAccessiblePage(page);

    // The new-chat sound's toggle: a button named for what it does, its state in aria-pressed.
    const mute = page.getByRole('button', { name: 'Mute new-chat sound' });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    expect(await mute.getAttribute('aria-describedby')).toBe('sound-help');
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('status').getByText('The new-chat sound is muted.').waitFor();
    await expectAccessiblePage(page);
    await mute.focus();
    await page.keyboard.press('Enter');
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    expect(refused).toEqual([]);
  });

  it('admin: signed out, then with settings, a group, operators, a follow-up request and a new token shown', async () => {
    await api.call('PUT', `/v1/sites/${quietSite.siteId}/groups/sales`, { token: quietSite.adminToken, body: { name: 'Sales' } });
    await api.call('PUT', `/v1/sites/${quietSite.siteId}/settings`, { token: quietSite.adminToken, body: { queueEnabled: false } });
    const request = await api.call('POST', `/v1/sites/${quietSite.siteId}/chats`, {
      body: { visitorId: 'v-follow-up', message: 'Please write to me.', contact: { email: 'walt@example.com' } },
    });
    expect(request.body.chat.status).toBe('unassigned');

    const page = await newPage();
    await page.goto(`${api.url}/admin/`);
    await page.getByLabel('Admin token', { exact: true }).waitFor();
    await expectAccessiblePage(page);

    await page.getByLabel('Admin token', { exact: true }).fill(quietSite.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('list', { name: 'Follow-up requests' }).getByText('Please write to me.').waitFor({ timeout: FEW_SECONDS });
    await page.getByLabel('Operator id').fill('pat');
    await page.getByLabel('Operator name').fill('Pat');
    await page.getByRole('button', { name: 'Add operator' }).click();
    await page.getByText('Operator token for Pat').waitFor();
    await page.getByRole('row', { name: /\bPat\b/ }).first().waitFor();
    await expectAccessiblePage(page);

    // The Webhooks section: a first URL (on this machine: nothing listens there, nothing is sent here) shows its secret
    // once; the deliveries table as the service would list them (this file's server runs no webhook sender).
    const deliveries = [
      { state: 'delivered', attempts: 1, responseStatus: 200, error: null },
      { state: 'retrying', attempts: 3, responseStatus: 500, error: 'The receiver answered 500.' },
      { state: 'failed', attempts: 12, responseStatus: null, error: 'No answer within 5 seconds.' },
    ].map((delivery, index) => ({
      eventId: `evt_${index}`,
      type: ['chat.assigned', 'message.created', 'chat.closed'][index],
      occurredAt: new Date(Date.UTC(2026, 0, 1, 12, index)).toISOString(),
      lastAttemptAt: new Date(Date.UTC(2026, 0, 1, 12, index, 30)).toISOString(),
      ...delivery,
    }));
    await page.route(/\/webhook-deliveries$/, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ deliveries }) }));
    const webhooks = page.getByRole('region', { name: 'Webhooks' });
    await webhooks.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hooks/chat');
    await webhooks.getByRole('button', { name: 'Save webhook URL' }).click();
    await webhooks.getByLabel('Signing secret').waitFor();
    await webhooks.getByRole('button', { name: 'Refresh deliveries' }).click();
    await webhooks.getByRole('table', { name: 'Latest webhook deliveries, newest first' }).getByText('No answer within 5 seconds.').waitFor();
    await expectAccessiblePage(page);
    // The service's refusal in the alert area.
    await webhooks.getByLabel('Webhook URL').fill('http://example.com/hooks');
    await webhooks.getByRole('button', { name: 'Save webhook URL' }).click();
    await page.getByRole('alert').getByText(/https/).waitFor();
    await expectAccessiblePage(page);
    expect(refused).toEqual([]);
  });
});

/** The focused element, through the widget's shadow root, and how its focus shows. */
function focused(page: Page) {
  return page.evaluate(() => {
    interface Node {
      shadowRoot: { activeElement: Node | null } | null;
      tagName: string;
      id: string;
      textContent: string | null;
      getAttribute(name: string): string | null;
      matches(selector: string): boolean;
    }
    const scope = globalThis as unknown as {
      document: { activeElement: Node | null };
      getComputedStyle(node: Node): { outlineStyle: string; outlineWidth: string; outlineColor: string };
    };
    let node = scope.document.activeElement;
    while (node?.shadowRoot?.activeElement) node = node.shadowRoot.activeElement;
    if (!node) return null;
    const style = scope.getComputedStyle(node);
    const tag = node.tagName.toLowerCase();
    return {
      /** A button's name; a text box's id. */
      name: tag === 'textarea' ? `#${node.id}` : (node.getAttribute('aria-label') ?? node.textContent ?? '').trim(),
      tag,
      /** A ring the eye can find: the browser's :focus-visible, drawn as an outline at least 2 px wide. */
      visible: node.matches(':focus-visible') && style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
      outlineColor: style.outlineColor,
    };
  });
}

describe('the widget with the keyboard alone', () => {
  it('opens, starts a chat, writes, ends it and closes, the focus visible at every step', async () => {
    const page = await newPage();
    await page.goto(hostPage('keyboard', site.siteId));
    await page.getByRole('button', { name: 'Chat with us' }).waitFor();
    const dialog = page.getByRole('dialog', { name: 'Chat with us' });
    const expectFocus = async (name: string, tag = 'button') => {
      await expect.poll(async () => (await focused(page))?.name).toBe(name);
      const now = (await focused(page))!;
      expect(now.tag).toBe(tag);
      expect(now.visible, `focus ring on ${now.name}`).toBe(true);
      return now;
    };

    // Tab reaches the launcher (the page has no other control); its ring is dark, with a white gap, for any page colour.
    await page.keyboard.press('Tab');
    expect((await expectFocus('Chat with us')).outlineColor).toBe('rgb(29, 35, 48)');
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
    expect((await expectFocus('Start chat')).outlineColor).toBe('rgb(36, 87, 214)');

    // Back to the optional first message, then start with the keyboard.
    await page.keyboard.press('Shift+Tab');
    await expectFocus('#first', 'textarea');
    await page.keyboard.type('Typed with the keyboard.');
    await page.keyboard.press('Tab');
    await expectFocus('Start chat');
    await page.keyboard.press('Enter');
    await dialog.getByText('You are chatting with').waitFor();

    // The message box has the focus: Enter sends.
    await dialog.getByRole('log', { name: 'Messages' }).getByText('Typed with the keyboard.').waitFor();
    await expectFocus('#msg', 'textarea');
    await page.keyboard.type('And a second message.');
    await page.keyboard.press('Enter');
    await dialog.getByRole('log', { name: 'Messages' }).getByText('And a second message.').waitFor();
    await page.keyboard.press('Tab');
    await expectFocus('Send');
    await page.keyboard.press('Tab');
    await expectFocus('End chat');
    await page.keyboard.press('Enter');
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    await expectFocus('Start a new chat');

    // Escape closes the panel; the focus goes back to the launcher.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expectFocus('Chat with us');
    expect(await page.getByRole('button', { name: 'Chat with us' }).getAttribute('aria-expanded')).toBe('false');

    // Open again, and close with the panel's close button (its ring white on the blue head).
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Start chat', exact: true }).waitFor();
    await expectFocus('Start chat');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect((await expectFocus('Close chat window')).outlineColor).toBe('rgb(255, 255, 255)');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expectFocus('Chat with us');
    expect(refused).toEqual([]);
  });
});
