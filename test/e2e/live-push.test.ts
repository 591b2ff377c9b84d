import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request, WebSocketRoute } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { closeAfterAll, launchChromium, watchedPages } from './browser.js';

/**
 * Live push in Chromium, against the whole local stack (the socket on the API's port, the live
 * notifier and the dispatcher on an isolated table's stream), with the pages' timed polling
 * turned OFF (the console at /console/?poll=off, the widget with data-poll="off"): a new chat
 * appears in the console, rings and badges the tab's title; the queue's length moves; a waiting
 * widget moves up and connects the moment an operator comes online; messages go both ways; a
 * chat ended by the visitor leaves the console. Each step checks that no polling request was
 * made meanwhile, so what the page shows came over the socket. Then, with polling on, a socket
 * that drops: the console polls meanwhile and the socket comes back.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
let hostDir: string;
const pages = watchedPages(() => browser);
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'live-push-'));

/** Pushes come within a second locally (the stream is read four times a second); dispatch within 2 s. */
const FEW_SECONDS = 10_000;
/** Longer than the console's 4-s and the widget's 2-s polling: a poll would have come by then. */
const LONGER_THAN_A_POLL = 5_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  hostDir = join(workDir, 'host');
  mkdirSync(hostDir);
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

closeAfterAll(() => [pages, browser, api]);

/** A customer's page embedding the site's widget with polling off, at /host/<name>/. */
function hostPage(name: string, siteId: string) {
  mkdirSync(join(hostDir, name));
  writeFileSync(
    join(hostDir, name, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${siteId}" data-poll="off" async></script></body></html>`,
  );
  return `${api.url}/host/${name}/`;
}

/** Requests the page makes that `matches`, counted as they are sent and as they finish. */
function countRequests(page: Page, matches: (path: string, method: string) => boolean) {
  const counts = { sent: 0, done: 0 };
  const isOne = (request: Request) => matches(new URL(request.url()).pathname, request.method());
  page.on('request', (request) => {
    if (isOne(request)) counts.sent += 1;
  });
  const finished = (request: Request) => {
    if (isOne(request)) counts.done += 1;
  };
  page.on('requestfinished', finished);
  page.on('requestfailed', finished);
  return counts;
}

/** What the console polls: its chats, the status (GET /v1/me) and the queue. */
const consolePolls = (page: Page) =>
  countRequests(page, (path, method) => method === 'GET' && (/\/operators\/[^/]+\/chats$/.test(path) || /\/queue$/.test(path) || path === '/v1/me'));
/** What the widget polls: its chat. */
const widgetPolls = (page: Page) => countRequests(page, (path, method) => method === 'GET' && /\/v1\/sites\/[^/]+\/chats\/[^/]+$/.test(path));
/** Anyone's reads of messages. */
const messageReads = (page: Page) => countRequests(page, (path, method) => method === 'GET' && /\/messages$/.test(path));

/** Waits until no counted request is under way and none started for a moment; returns how many were sent. */
async function settled(counts: { sent: number; done: number }) {
  let last = -1;
  await expect
    .poll(
      () => {
        const quiet = counts.sent === counts.done && counts.sent === last;
        last = counts.sent;
        return quiet;
      },
      { timeout: FEW_SECONDS, interval: 300 },
    )
    .toBe(true);
  return counts.sent;
}

const liveState = (page: Page) => page.locator('html').getAttribute('data-live');
const widgetLiveState = (page: Page) => page.locator('#chatdist-widget').getAttribute('data-live');
const soundPlays = async (page: Page) => Number((await page.locator('html').getAttribute('data-sound-plays')) ?? 0);

/** The console with polling off, signed in, its socket up. */
async function liveConsole(token: string, counts?: (page: Page) => void): Promise<Page> {
  const page = await newPage();
  counts?.(page);
  await page.goto(`${api.url}/console/?poll=off`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My open chats' }).waitFor();
  await expect.poll(() => liveState(page), { timeout: FEW_SECONDS }).toBe('up');
  return page;
}

/** The widget (polling off) on its host page, a chat started: it waits. Returns its dialog. */
async function waitingWidget(page: Page, url: string): Promise<Locator> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: /^Start chat/ }).click();
  await dialog.getByRole('status').filter({ hasText: /^You are number \d in the queue/ }).waitFor();
  await expect.poll(() => widgetLiveState(page), { timeout: FEW_SECONDS }).toBe('up');
  return dialog;
}

const place = (dialog: Locator, position: number) => dialog.getByRole('status').filter({ hasText: new RegExp(`^You are number ${position} in the queue`) });
const closeButtons = (page: Page) => page.getByRole('button', { name: /^Close chat with / });

describe('the console over the socket, polling off', () => {
  let site: Site;

  beforeAll(async () => {
    site = await apiSite(api, ['ann']);
  });

  it('shows a new chat at once, with a sound and a count in the tab title until the operator looks', async () => {
    let polls!: ReturnType<typeof consolePolls>;
    const page = await liveConsole(site.tokens.ann!, (p) => (polls = consolePolls(p)));
    // Signing in read the chats, the queue and the status; the socket's opening, once more: then nothing.
    const before = await settled(polls);
    expect(await page.title()).toBe('Operator console');
    expect(await soundPlays(page)).toBe(0);
    await page.getByText('No open chats.').waitFor();

    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-live-1' } });
    expect(started.status).toBe(201);
    await page.getByRole('button', { name: 'Close chat with v-live-1' }).waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => page.title()).toBe('(1) Operator console');
    expect(await soundPlays(page)).toBe(1);

    const second = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-live-2' } });
    expect(second.status).toBe(201);
    await page.getByRole('button', { name: 'Close chat with v-live-2' }).waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => page.title()).toBe('(2) Operator console');
    expect(await soundPlays(page)).toBe(2);
    // Newest first, as the service lists them.
    expect(await page.locator('#chats tbody tr').evaluateAll((rows) => rows.map((row) => (row as unknown as { dataset: { chatId: string } }).dataset.chatId))).toEqual([
      second.body.chat.id,
      started.body.chat.id,
    ]);

    // Nothing was polled, however long it waits.
    await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_A_POLL));
    expect(polls.sent).toBe(before);
    expect(await page.title()).toBe('(2) Operator console');

    // The operator comes back to the page: the count goes.
    await page.locator('h1').click();
    await expect.poll(() => page.title()).toBe('Operator console');
  });

  it('mutes the sound with a toggle it remembers; the title still counts', async () => {
    const page = await liveConsole(site.tokens.ann!);
    const mute = page.getByRole('button', { name: 'Mute new-chat sound' });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('status').getByText('The new-chat sound is muted.').waitFor();

    // Remembered in this browser: a reload keeps it.
    await page.reload();
    await expect.poll(() => liveState(page), { timeout: FEW_SECONDS }).toBe('up');
    await page.getByRole('button', { name: 'Close chat with v-live-1' }).waitFor();
    expect(await page.getByRole('button', { name: 'Mute new-chat sound' }).getAttribute('aria-pressed')).toBe('true');

    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-live-3' } });
    expect(started.status).toBe(201);
    await page.getByRole('button', { name: 'Close chat with v-live-3' }).waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => page.title()).toBe('(1) Operator console');
    expect(await soundPlays(page)).toBe(0);

    await page.getByRole('button', { name: 'Mute new-chat sound' }).click();
    expect(await page.getByRole('button', { name: 'Mute new-chat sound' }).getAttribute('aria-pressed')).toBe('false');
    expect(await page.title()).toBe('Operator console'); // the click was a look at the page
    expect(refused).toEqual([]);
  });
});

describe('the widget and the console over the socket, polling off', () => {
  let site: Site;
  let bo: Page;
  let consoleCalls: ReturnType<typeof consolePolls>;
  let consoleReads: ReturnType<typeof messageReads>;
  let visitor: Page;
  let dialog: Locator;
  let visitorCalls: ReturnType<typeof widgetPolls>;
  let visitorReads: ReturnType<typeof messageReads>;

  beforeAll(async () => {
    // Bo is offline, with room for one chat: the visitors wait.
    site = await apiSite(api, ['bo'], { online: false, maxChats: 1 });
  });

  it('moves a waiting visitor up and shows the queue in the console, with no poll', async () => {
    bo = await liveConsole(site.tokens.bo!, (page) => {
      consoleCalls = consolePolls(page);
      consoleReads = messageReads(page);
    });
    await bo.getByText('0 waiting', { exact: true }).waitFor();

    const first = await newPage();
    const firstDialog = await waitingWidget(first, hostPage('first', site.siteId));
    await place(firstDialog, 1).waitFor();
    visitor = await newPage();
    visitorCalls = widgetPolls(visitor);
    visitorReads = messageReads(visitor);
    dialog = await waitingWidget(visitor, hostPage('second', site.siteId));
    await place(dialog, 2).waitFor();
    // The start, then one look once the socket was up; then nothing more.
    const looks = await settled(visitorCalls);
    expect(looks).toBe(1);
    await bo.getByText('2 waiting', { exact: true }).waitFor({ timeout: FEW_SECONDS });
    const consoleBefore = await settled(consoleCalls);

    // The first visitor leaves the queue: the second is told its new place, the console the new length.
    await firstDialog.getByRole('button', { name: 'Leave the queue' }).click();
    await firstDialog.getByText('Chat ended').waitFor();
    await place(dialog, 1).waitFor({ timeout: FEW_SECONDS });
    await bo.getByText('1 waiting', { exact: true }).waitFor({ timeout: FEW_SECONDS });
    await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_A_POLL));
    expect(visitorCalls.sent).toBe(looks);
    expect(consoleCalls.sent).toBe(consoleBefore);
  });

  it('connects the waiting visitor the moment the operator comes online: the widget shows Bo, the console rings', async () => {
    const looks = visitorCalls.sent;
    const consoleBefore = consoleCalls.sent;
    await bo.getByRole('button', { name: 'Online' }).click();
    await bo.getByRole('status').getByText('You are online.').waitFor();

    const assigned = dialog.locator('.assigned');
    await assigned.waitFor({ timeout: FEW_SECONDS });
    expect(await assigned.textContent()).toContain('You are chatting with Operator bo.');
    expect(await place(dialog, 1).count()).toBe(0);
    // One look, to learn the operator's name: the event said who, by id.
    expect(visitorCalls.sent).toBe(looks + 1);

    await closeButtons(bo).first().waitFor({ timeout: FEW_SECONDS });
    expect(await soundPlays(bo)).toBe(1);
    await bo.getByText('0 waiting', { exact: true }).waitFor({ timeout: FEW_SECONDS });
    expect(consoleCalls.sent).toBe(consoleBefore);
  });

  it('carries messages both ways with no read of the messages by either page', async () => {
    const visitorId = (await bo.locator('#chats tbody td.visitor').first().textContent())!;
    await bo.getByRole('button', { name: new RegExp(`^Messages with ${visitorId}`) }).click();
    await bo.getByRole('heading', { name: `Conversation with ${visitorId}` }).waitFor();
    const boReads = await settled(consoleReads);
    const visitorReadsBefore = await settled(visitorReads);

    await dialog.getByLabel('Your message', { exact: true }).fill('Hello, is anyone there?');
    await dialog.getByRole('button', { name: 'Send' }).click();
    const boLog = bo.getByRole('log', { name: 'Messages' });
    await boLog.getByText('Hello, is anyone there?').waitFor({ timeout: FEW_SECONDS });

    await bo.getByLabel('Reply').fill('Yes! How can I help?');
    await bo.getByLabel('Reply').press('Enter');
    const widgetLog = dialog.getByRole('log', { name: 'Messages' });
    await widgetLog.getByText('Yes! How can I help?').waitFor({ timeout: FEW_SECONDS });
    expect(await widgetLog.locator('.msg.operator .who').textContent()).toMatch(/^Operator bo · /);

    await dialog.getByLabel('Your message', { exact: true }).fill('My order has not come.');
    await dialog.getByLabel('Your message', { exact: true }).press('Enter');
    await boLog.getByText('My order has not come.').waitFor({ timeout: FEW_SECONDS });
    expect(await boLog.locator('.msg').evaluateAll((nodes) => nodes.map((node) => node.lastChild?.textContent))).toEqual([
      'Hello, is anyone there?',
      'Yes! How can I help?',
      'My order has not come.',
    ]);
    expect(consoleReads.sent).toBe(boReads);
    expect(visitorReads.sent).toBe(visitorReadsBefore);
  });

  it('takes the chat out of the console when the visitor ends it', async () => {
    const consoleBefore = consoleCalls.sent;
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await dialog.getByText('Chat ended. Thank you!').waitFor();
    await bo.getByText('No open chats.').waitFor({ timeout: FEW_SECONDS });
    await bo.getByRole('log', { name: 'Chat notices' }).getByText(/was closed by the visitor\.$/).waitFor();
    await bo.getByText('The visitor closed this chat.').waitFor();
    expect(consoleCalls.sent).toBe(consoleBefore);
    expect(refused).toEqual([]);
  });
});

describe('a socket that drops, polling on', () => {
  it('polls while the socket is down, and listens again once it comes back', async () => {
    const site = await apiSite(api, ['cy']);
    const page = await newPage();
    const context: BrowserContext = page.context();
    // The first socket goes through to the server; the next three are refused at once; then they go through again.
    let opened = 0;
    let first: WebSocketRoute | undefined;
    await context.routeWebSocket(/\/v1\/live$/, (socket) => {
      opened += 1;
      if (opened === 1) first = socket;
      if (opened >= 2 && opened <= 4) return void socket.close({ code: 1011, reason: 'refused by the test' });
      socket.connectToServer();
    });
    const polls = consolePolls(page);
    await page.goto(`${api.url}/console/`);
    await page.getByLabel('Operator token').fill(site.tokens.cy!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => liveState(page), { timeout: FEW_SECONDS }).toBe('up');

    await first!.close({ code: 1006, reason: 'dropped by the test' });
    await expect.poll(() => liveState(page), { timeout: FEW_SECONDS }).toBe('down');
    const dropped = polls.sent;
    // Down: a new chat comes by polling (while the socket is refused).
    const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-dropped' } });
    expect(started.status).toBe(201);
    await page.getByRole('button', { name: 'Close chat with v-dropped' }).waitFor({ timeout: FEW_SECONDS });
    expect(polls.sent).toBeGreaterThan(dropped);
    expect(await soundPlays(page)).toBe(1);

    // Tried again with backoff: up again after the refusals, then no more polling.
    await expect.poll(() => liveState(page), { timeout: 30_000 }).toBe('up');
    expect(opened).toBeGreaterThanOrEqual(5);
    const up = await settled(polls);
    await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_A_POLL));
    expect(polls.sent).toBe(up);
    const next = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-back' } });
    expect(next.status).toBe(201);
    await page.getByRole('button', { name: 'Close chat with v-back' }).waitFor({ timeout: FEW_SECONDS });
    expect(polls.sent).toBe(up);
  }, 90_000);
});
