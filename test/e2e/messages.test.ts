import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { closeAfterAll, launchChromium, screenshot, watchedPages } from './browser.js';

/**
 * Messages in Chromium against the real local server: a visitor (the widget on a host page) and
 * an operator (the console) write to each other, the operator's first reply accepts the chat, a
 * reply to a chat the operator lost is refused with a clear message; and when nobody is online
 * with the queue off, the visitor leaves a follow-up request (name, e-mail, message) that the
 * admin page lists, newest first, a page at a time.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;
interface Message {
  id: string;
  from: 'visitor' | 'operator';
  operatorId: string | null;
  text: string;
}

let api: TestApi;
let browser: Browser;
let hostDir: string;
// Polling only (the socket refused): this file's server runs no live notifier; live-push.test.ts covers messages over the socket.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'messages-e2e-'));

/** The widget and the open conversation read every 2 s, the console's list every 4 s, the admin page every 5 s: room for a slow machine. */
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

/** Opens the widget on the host page; returns its dialog, once its start view is there. */
async function openWidget(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
  return dialog;
}

async function consoleOf(token: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${api.url}/console/`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My open chats' }).waitFor();
  return page;
}

const chatRow = (page: Page, visitorId: string): Locator =>
  page
    .getByRole('table', { name: /^My open chats/ })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: visitorId, exact: true }) });
/** The texts of a conversation's messages, in the order shown (each bubble: "who · time" then the text). */
const texts = (log: Locator) => log.locator('.msg').evaluateAll((nodes) => nodes.map((node) => node.lastChild?.textContent ?? ''));
const hasFocus = (locator: Locator) =>
  locator.evaluate((node) => {
    // Through the widget's shadow root: the focused element is its shadow root's activeElement.
    const root = (node as unknown as { getRootNode(): { activeElement: unknown } }).getRootNode();
    return root.activeElement === node;
  });

async function messagesOf(site: Site, chatId: string): Promise<Message[]> {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}/chats/${chatId}/messages`, { token: site.adminToken });
  expect(reply.status).toBe(200);
  return reply.body.messages;
}

async function chatOf(site: Site, chatId: string) {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}/chats/${chatId}`, { token: site.adminToken });
  expect(reply.status).toBe(200);
  return reply.body.chat;
}

async function followUpsOf(site: Site, cursor?: string) {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}/chats?status=unassigned${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
    token: site.adminToken,
  });
  expect(reply.status).toBe(200);
  return reply.body as { chats: { id: string; contact: { name: string | null; email: string | null } }[]; cursor?: string };
}

describe('messages between the widget and the console', () => {
  let site: Site;
  let ann: Page;
  let visitor: Page;
  let dialog: Locator;
  let visitorId: string;
  let chatId: string;

  beforeAll(async () => {
    site = await apiSite(api, ['ann']);
    ann = await consoleOf(site.tokens.ann!);
    visitor = await newPage();
    dialog = await openWidget(visitor, hostPage('chat', site.siteId));
  });

  it('starts a chat with a first message: the visitor sees it, the console shows it in the row', async () => {
    const first = dialog.getByLabel('Your message (optional)');
    await first.fill('Hello, I need help with my order.');
    await dialog.getByText('33 / 4000 characters').waitFor();
    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    await dialog.getByText('You are chatting with Operator ann.').waitFor();
    const log = dialog.getByRole('log', { name: 'Messages' });
    await log.getByText('Hello, I need help with my order.').waitFor();
    // The message box is ready for the next message.
    const box = dialog.getByLabel('Your message', { exact: true });
    expect(await hasFocus(box)).toBe(true);
    expect(await box.getAttribute('maxlength')).toBe('4000');
    await dialog.getByText('0 / 4000 characters').waitFor();

    visitorId = (await visitor.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string } }).localStorage.getItem('chatdist.visitorId')))!;
    const row = chatRow(ann, visitorId);
    await row.waitFor({ timeout: FEW_SECONDS });
    chatId = (await row.getAttribute('data-chat-id'))!;
    await row.getByRole('cell', { name: '“Hello, I need help with my order.”' }).waitFor({ timeout: FEW_SECONDS });
    await ann.getByRole('button', { name: `Messages with ${visitorId} (1 new)` }).waitFor({ timeout: FEW_SECONDS });
    expect(await row.getByRole('cell', { name: /^Not accepted/ }).count()).toBe(1);
    expect((await chatOf(site, chatId)).acceptedAt).toBeNull();
  });

  it("accepts the chat with the operator's first reply, which the visitor sees", async () => {
    const open = ann.getByRole('button', { name: new RegExp(`^Messages with ${visitorId}`) });
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    await ann.getByRole('heading', { name: `Conversation with ${visitorId}` }).waitFor();
    await ann.getByText('The visitor gave no name or e-mail.').waitFor();
    const log = ann.getByRole('log', { name: 'Messages' });
    await log.getByText('Hello, I need help with my order.').waitFor();
    await ann.getByRole('button', { name: `Messages with ${visitorId}`, exact: true }).waitFor(); // read: no longer "new"

    const reply = ann.getByLabel('Reply');
    expect(await hasFocus(reply)).toBe(true);
    // Nothing written: nothing sent.
    await reply.press('Enter');
    await ann.getByText('Write a reply first.').waitFor();
    expect(await messagesOf(site, chatId)).toHaveLength(1);

    await reply.fill('Hi! Let me check that for you.');
    await ann.getByText('30 / 4000 characters').waitFor();
    await reply.press('Enter');
    await log.getByText('Hi! Let me check that for you.').waitFor();
    expect(await reply.inputValue()).toBe('');
    await ann.locator('#status-message').getByText(`Chat with ${visitorId} accepted: your reply was sent.`).waitFor();
    const row = chatRow(ann, visitorId);
    await row.getByRole('cell', { name: 'Accepted', exact: true }).waitFor();
    expect(await row.getByRole('button', { name: /^Accept chat/ }).count()).toBe(0);
    const chat = await chatOf(site, chatId);
    expect(chat).toMatchObject({ status: 'assigned', operatorId: 'ann' });
    expect(Date.parse(chat.acceptedAt)).not.toBeNaN();

    // The widget reads it within a beat or two.
    const widgetLog = dialog.getByRole('log', { name: 'Messages' });
    await widgetLog.getByText('Hi! Let me check that for you.').waitFor({ timeout: FEW_SECONDS });
    expect(await widgetLog.locator('.msg.operator .who').textContent()).toMatch(/^Operator ann · /);
    // The list's next refresh keeps it accepted.
    await expect.poll(() => row.getByRole('cell', { name: 'Accepted', exact: true }).count(), { timeout: FEW_SECONDS }).toBe(1);
  });

  it('carries messages both ways and shows them in the same order on both sides', async () => {
    const box = dialog.getByLabel('Your message', { exact: true });
    await box.fill('It is order 1234.');
    await box.press('Enter');
    const widgetLog = dialog.getByRole('log', { name: 'Messages' });
    await widgetLog.getByText('It is order 1234.').waitFor();
    expect(await box.inputValue()).toBe('');
    // Shift+Enter is a new line, Send sends too.
    await box.pressSequentially('Line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await widgetLog.getByText(/Line one\s+line two/).waitFor();

    const consoleLog = ann.getByRole('log', { name: 'Messages' });
    await consoleLog.getByText(/Line one\s+line two/).waitFor({ timeout: FEW_SECONDS });
    await ann.getByLabel('Reply').fill('Found it: it ships tomorrow.');
    await ann.getByRole('button', { name: 'Send', exact: true }).click();
    await widgetLog.getByText('Found it: it ships tomorrow.').waitFor({ timeout: FEW_SECONDS });

    const expected = ['Hello, I need help with my order.', 'Hi! Let me check that for you.', 'It is order 1234.', 'Line one\nline two', 'Found it: it ships tomorrow.'];
    await expect.poll(() => texts(widgetLog), { timeout: FEW_SECONDS }).toEqual(expected);
    await expect.poll(() => texts(consoleLog), { timeout: FEW_SECONDS }).toEqual(expected);
    const stored = await messagesOf(site, chatId);
    expect(stored.map((message) => message.text)).toEqual(expected);
    expect(stored.map((message) => message.from)).toEqual(['visitor', 'operator', 'visitor', 'visitor', 'operator']);
    expect(stored.filter((message) => message.from === 'operator').every((message) => message.operatorId === 'ann')).toBe(true);
    await screenshot(visitor, 'widget-conversation');
    await screenshot(ann, 'console-conversation', { fullPage: true });
  });

  it('keeps the draft and the conversation when the widget is closed and opened again', async () => {
    const box = dialog.getByLabel('Your message', { exact: true });
    await box.fill('A draft');
    await dialog.getByRole('button', { name: 'Close chat window' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    expect(await box.inputValue()).toBe('A draft');
    expect(await texts(dialog.getByRole('log', { name: 'Messages' }))).toHaveLength(5);
    await box.fill('');
  });

  it("tells the operator a reply was not sent when the visitor had closed the chat (409)", async () => {
    // The console stops seeing its list, so the row (and the reply box) stay while the visitor leaves.
    const list = `**/v1/sites/${site.siteId}/operators/ann/chats`;
    await ann.route(list, (route) => route.abort());
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await dialog.getByText('Chat ended').waitFor();
    expect((await chatOf(site, chatId)).status).toBe('closed');

    const reply = ann.getByLabel('Reply');
    await reply.fill('Anything else?');
    await reply.press('Enter');
    await ann.getByText('Not sent: the visitor closed this chat.').waitFor();
    expect(await reply.isDisabled()).toBe(true);
    await ann.getByRole('log', { name: 'Chat notices' }).getByText(`Chat ${chatId} (visitor ${visitorId}) was closed by the visitor.`).waitFor();
    expect(await chatRow(ann, visitorId).count()).toBe(0);
    expect(await messagesOf(site, chatId)).toHaveLength(5);
    await ann.unroute(list);
    await ann.getByRole('button', { name: 'Hide conversation' }).click();
    expect(await ann.getByRole('heading', { name: /^Conversation with/ }).count()).toBe(0);
  });

  it('tells the operator a reply was not sent once the chat was moved to another operator (403)', async () => {
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, {
      body: { visitorId: 'visitor-moved', message: 'Are you there?', contact: { name: 'Mo Visitor', email: 'mo@example.com' } },
    });
    expect(started.status).toBe(201);
    expect(started.body.chat.operatorId).toBe('ann');
    const movedId = started.body.chat.id;
    // What the visitor gave: in the row, and above the conversation.
    const row = chatRow(ann, 'visitor-moved');
    await row.waitFor({ timeout: FEW_SECONDS });
    await row.getByRole('cell', { name: /^Mo Visitor · mo@example\.com\s*“Are you there\?”$/ }).waitFor({ timeout: FEW_SECONDS });
    await ann.getByRole('button', { name: /^Messages with visitor-moved/ }).click();
    await ann.getByText('The visitor gave: Mo Visitor · mo@example.com').waitFor();
    await ann.getByRole('log', { name: 'Messages' }).getByText('Are you there?').waitFor();

    const list = `**/v1/sites/${site.siteId}/operators/ann/chats`;
    await ann.route(list, (route) => route.abort());
    const ben = await api.call('PUT', `/v1/sites/${site.siteId}/operators/ben`, { token: site.adminToken, body: { name: 'Operator ben' } });
    expect(ben.status).toBe(201);
    const online = await api.call('PUT', `/v1/sites/${site.siteId}/operators/ben/status`, { token: ben.body.operatorToken, body: { status: 'online' } });
    expect(online.status).toBe(200);
    const moved = await api.call('POST', `/v1/sites/${site.siteId}/chats/${movedId}/transfer`, { token: site.tokens.ann, body: { operatorId: 'ben' } });
    expect(moved.status).toBe(200);

    const reply = ann.getByLabel('Reply');
    await reply.fill('Yes, I am here.');
    await reply.press('Enter');
    await ann.getByText('Not sent: this chat is no longer yours (it was taken back or moved to another operator).').waitFor();
    expect(await reply.isDisabled()).toBe(true);
    expect(await chatRow(ann, 'visitor-moved').count()).toBe(0);
    expect((await messagesOf(site, movedId)).map((message) => message.text)).toEqual(['Are you there?']);
    await ann.unroute(list);
    expect(refused).toEqual([]);
  });
});

describe('writing while the chat waits', () => {
  it('lets a waiting visitor write; the place in the queue stays the only status line', async () => {
    const site = await apiSite(api, ['dora'], { online: false });
    const page = await newPage();
    const dialog = await openWidget(page, hostPage('waiting', site.siteId));
    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    await dialog.getByRole('status').filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    const box = dialog.getByLabel('Your message', { exact: true });
    expect(await hasFocus(box)).toBe(true);
    await box.fill('I will wait, thanks.');
    await box.press('Enter');
    await dialog.getByRole('log', { name: 'Messages' }).getByText('I will wait, thanks.').waitFor();
    expect(await dialog.getByRole('status').count()).toBe(1);
    const [waiting] = (await api.call('GET', `/v1/sites/${site.siteId}/queue`, { token: site.adminToken })).body.waiting;
    expect((await messagesOf(site, waiting.chatId)).map((message) => message.text)).toEqual(['I will wait, thanks.']);
    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended').waitFor();
  });
});

describe('follow-up requests when nobody is online', () => {
  let site: Site;
  let url: string;
  let admin: Page;

  beforeAll(async () => {
    site = await apiSite(api, ['carl'], { online: false });
    const settings = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { queueEnabled: false } });
    expect(settings.status).toBe(200);
    url = hostPage('follow-up', site.siteId);
  });

  it('asks a visitor whose chat nobody took for an e-mail address, and confirms where we will write', async () => {
    const page = await newPage();
    const dialog = await openWidget(page, url);
    await dialog.getByText('No operator is online right now. You can still leave a message.').waitFor();
    await dialog.getByLabel('Your message (optional)').fill('Please call me back about my invoice.');
    await dialog.getByRole('button', { name: /^Start chat/ }).click();

    // Nobody took it: the follow-up form, with what the visitor wrote.
    await dialog.getByText(/Your request has been recorded\. Leave your e-mail and we will write to you\./).waitFor();
    const text = dialog.getByLabel('Your message', { exact: true });
    expect(await text.inputValue()).toBe('Please call me back about my invoice.');
    const first = await followUpsOf(site);
    expect(first.chats).toHaveLength(1);
    expect(first.chats[0]!.contact).toEqual({ name: null, email: null });

    // An address the browser refuses: nothing is sent.
    await dialog.getByLabel('Your name (optional)').fill('Vera Visitor');
    const email = dialog.getByLabel('Your e-mail');
    await email.fill('not-an-address');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    expect(await email.evaluate((input) => (input as unknown as { validity: { typeMismatch: boolean } }).validity.typeMismatch)).toBe(true);
    expect((await followUpsOf(site)).chats.map((chat) => chat.id)).toEqual([first.chats[0]!.id]);
    await screenshot(page, 'widget-follow-up');

    await email.fill('vera@example.com');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await dialog.getByText('Thank you! We will write to you at vera@example.com.').waitFor();
    await screenshot(page, 'widget-follow-up-sent');

    // One request, with the contact and the message; the first one (without them) was closed.
    const { chats } = await followUpsOf(site);
    expect(chats).toHaveLength(1);
    expect(chats[0]!.id).not.toBe(first.chats[0]!.id);
    expect(chats[0]!.contact).toEqual({ name: 'Vera Visitor', email: 'vera@example.com' });
    expect((await messagesOf(site, chats[0]!.id)).map((message) => [message.from, message.text])).toEqual([['visitor', 'Please call me back about my invoice.']]);
    expect((await chatOf(site, first.chats[0]!.id)).status).toBe('closed');

    // A reload shows the confirmation again.
    await page.reload();
    await page.getByRole('button', { name: 'Chat with us' }).click();
    await dialog.getByText('Thank you! We will write to you at vera@example.com.').waitFor();
  });

  it('lets a visitor leave a message straight away', async () => {
    const page = await newPage();
    const dialog = await openWidget(page, url);
    await dialog.getByRole('button', { name: 'Leave a message' }).click();
    const name = dialog.getByLabel('Your name (optional)');
    expect(await hasFocus(name)).toBe(true);
    await dialog.getByLabel('Your e-mail').fill('walt@example.com');
    // An empty message is refused by the form (required).
    await dialog.getByRole('button', { name: 'Send request' }).click();
    expect((await followUpsOf(site)).chats).toHaveLength(1);
    await dialog.getByLabel('Your message', { exact: true }).fill('Do you ship to Norway?');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await dialog.getByText('Thank you! We will write to you at walt@example.com.').waitFor();
    const { chats } = await followUpsOf(site);
    expect(chats.map((chat) => chat.contact)).toEqual([
      { name: null, email: 'walt@example.com' },
      { name: 'Vera Visitor', email: 'vera@example.com' },
    ]);
  });

  it('lists the requests on the admin page, newest first, with contact, time and messages', async () => {
    admin = await newPage();
    await admin.goto(`${api.url}/admin/`);
    await admin.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Follow-up requests' }).waitFor();
    const list = admin.getByRole('list', { name: 'Follow-up requests' });
    const items = list.locator(':scope > li');
    await expect.poll(() => items.count(), { timeout: FEW_SECONDS }).toBe(2);
    expect(await items.locator('h3').allTextContents()).toEqual(['No name given', 'Vera Visitor']);
    const vera = items.filter({ has: admin.getByRole('heading', { name: 'Vera Visitor' }) });
    const link = vera.getByRole('link', { name: 'vera@example.com' });
    expect(await link.getAttribute('href')).toBe('mailto:vera@example.com');
    expect(await vera.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await vera.getByRole('list', { name: 'Messages of Vera Visitor' }).getByText('Please call me back about my invoice.').waitFor();
    await items.first().getByText('Do you ship to Norway?').waitFor();
    expect(await admin.getByRole('button', { name: 'More' }).isVisible()).toBe(false);
    await admin.getByRole('heading', { name: 'Follow-up requests' }).scrollIntoViewIfNeeded();
    await screenshot(admin, 'admin-follow-ups');
  });

  it('pages with More, shows new requests with its refresh and drops closed ones', async () => {
    const tokens: string[] = [];
    for (let index = 1; index <= 20; index += 1) {
      const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, {
        body: { visitorId: `visitor-${index}`, message: `Request ${index}`, contact: { email: `v${index}@example.com` } },
      });
      expect(started.status).toBe(202);
      expect(started.body.chat.status).toBe('unassigned');
      tokens.push(started.body.chatToken);
    }
    const list = admin.getByRole('list', { name: 'Follow-up requests' });
    const items = list.locator(':scope > li');
    // The refresh reads the first page again: the new ones come in on top; those already shown stay.
    await expect.poll(() => items.count(), { timeout: FEW_SECONDS }).toBe(22);
    expect(await items.first().locator('h3').textContent()).toBe('No name given');
    await items.first().getByRole('link', { name: 'v20@example.com' }).waitFor();

    // Read afresh: the first page (20), then More.
    await admin.reload();
    await expect.poll(() => items.count(), { timeout: FEW_SECONDS }).toBe(20);
    const more = admin.getByRole('button', { name: 'More' });
    await more.click();
    await expect.poll(() => items.count()).toBe(22);
    await admin.getByRole('status').getByText('2 more follow-up requests shown.').waitFor();
    expect(await more.isVisible()).toBe(false);
    const emails = await items.locator('a[href^="mailto:"]').allTextContents();
    expect(emails).toEqual([...Array.from({ length: 20 }, (_, index) => `v${20 - index}@example.com`), 'walt@example.com', 'vera@example.com']);

    // A request whose chat is closed leaves the list.
    const newest = (await followUpsOf(site)).chats[0]!;
    expect(newest.contact.email).toBe('v20@example.com');
    const closed = await api.call('POST', `/v1/sites/${site.siteId}/chats/${newest.id}/close`, { body: { chatToken: tokens[19] } });
    expect(closed.status).toBe(200);
    await expect.poll(() => items.count(), { timeout: FEW_SECONDS }).toBe(21);
    expect(await items.first().getByRole('link').textContent()).toBe('v19@example.com');

    // Handled: the admin marks it done, which closes its chat.
    const handled = (await followUpsOf(site)).chats[0]!;
    await items.first().getByRole('button', { name: 'Done: the request of No name given is handled' }).click();
    await admin.getByRole('status').getByText('The request of No name given is done.').waitFor();
    expect(await items.count()).toBe(20);
    expect((await followUpsOf(site)).chats.map((chat) => chat.id)).not.toContain(handled.id);
    expect(refused).toEqual([]);
  });
});
