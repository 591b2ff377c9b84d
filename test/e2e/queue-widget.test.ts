import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium, refuseLiveSocket, screenshot } from './browser.js';

/**
 * The waiting queue as a visitor and an operator see it, in Chromium, against the real local
 * server with the real dispatcher on an isolated table: one operator with room for one chat.
 */

let api: TestApi;
let browser: Browser;
let site: Awaited<ReturnType<typeof apiSite>>;
let hostUrl: string;
const contexts: BrowserContext[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'queue-widget-'));

/** Dispatch is within 2 s of the freed slot and the widget looks every 2 s: this leaves room for a slow machine. */
const FEW_SECONDS = 10_000;

beforeAll(async () => {
  // Its own build: pages.test and admin-tokens.test rebuild web/dist while this file may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  const hostDir = join(workDir, 'host');
  mkdirSync(hostDir);
  api = await startTestApi({
    isolated: true,
    dispatcher: true,
    statics: [
      { prefix: '/host', folder: hostDir, index: 'index.html' },
      { prefix: '/', folder: dist },
    ],
  });
  site = await apiSite(api, ['ann'], { maxChats: 1 });
  writeFileSync(
    join(hostDir, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${site.siteId}" async></script></body></html>`,
  );
  hostUrl = `${api.url}/host/`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

/** Opens the widget on the host page; returns its dialog, ready to start a chat. */
async function openWidget(page: Page): Promise<Locator> {
  await page.goto(hostUrl);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog', { name: 'Chat with us' });
  await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
  return dialog;
}

/** The line that tells a waiting visitor its place (a live region). */
const placeLine = (dialog: Locator) => dialog.getByRole('status');

async function waitForPlace(dialog: Locator, text: RegExp | string) {
  await placeLine(dialog).filter({ hasText: text }).waitFor({ timeout: FEW_SECONDS });
}

const waitingIds = async () =>
  (await api.call('GET', `/v1/sites/${site.siteId}/queue`, { token: site.tokens.ann })).body.waiting.map(
    (entry: { chatId: string }) => entry.chatId,
  );

/** GETs of one chat (the widget's polling), counted as the page sends and finishes them. */
function watchPolls(page: Page) {
  const isPoll = (url: string, method: string) => method === 'GET' && /\/v1\/sites\/[^/]+\/chats\/[^/]+$/.test(new URL(url).pathname);
  const counts = { sent: 0, done: 0 };
  page.on('request', (request) => {
    if (isPoll(request.url(), request.method())) counts.sent += 1;
  });
  const finished = (request: Request) => {
    if (isPoll(request.url(), request.method())) counts.done += 1;
  };
  page.on('requestfinished', finished);
  page.on('requestfailed', finished);
  return counts;
}

describe('the waiting queue in the widget and the console', () => {
  let heldChatId: string;
  let consolePage: Page;

  it('queues a visitor while the only operator is full, then shows the operator once a chat of theirs closes', async () => {
    const held = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId: 'v-held', clientType: 'regular' } });
    expect(held.status).toBe(201);
    expect(held.body.chat.operatorId).toBe('ann');
    heldChatId = held.body.chat.id;

    // Ann's console (its heartbeat keeps her online however long the test takes).
    consolePage = await newPage();
    await consolePage.goto(`${api.url}/console/`);
    await consolePage.getByLabel('Operator token').fill(site.tokens.ann!);
    await consolePage.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.getByText('0 waiting', { exact: true }).waitFor();

    const page = await newPage();
    const dialog = await openWidget(page);
    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    // Nobody has closed a chat yet, so there is no estimate: the place alone.
    await waitForPlace(dialog, 'You are number 1 in the queue.');
    expect(await placeLine(dialog).getAttribute('aria-live')).toBe('polite');
    await dialog.getByRole('button', { name: 'Leave the queue' }).waitFor();
    await screenshot(page, 'widget-waiting');
    const [waitingId] = await waitingIds();
    expect(waitingId).toBeDefined();

    // The console's refresh shows the queue.
    await consolePage.getByText('1 waiting', { exact: true }).waitFor({ timeout: FEW_SECONDS });

    // Ann frees her slot: the dispatcher gives her the waiting chat, and the widget shows her.
    const heartbeat = await api.call('POST', `/v1/sites/${site.siteId}/operators/ann/heartbeat`, { token: site.tokens.ann });
    expect(heartbeat.status).toBeLessThan(300);
    const closed = await api.call('POST', `/v1/sites/${site.siteId}/chats/${heldChatId}/close`, { token: site.tokens.ann });
    expect(closed.status).toBe(200);
    const assigned = dialog.locator('.assigned');
    await assigned.waitFor({ timeout: FEW_SECONDS });
    expect(await assigned.textContent()).toContain('You are chatting with Operator ann.');
    await dialog.getByRole('button', { name: 'End chat' }).waitFor();
    expect(await placeLine(dialog).count()).toBe(0);

    const chat = await api.call('GET', `/v1/sites/${site.siteId}/chats/${waitingId}`, { token: site.adminToken });
    expect(chat.body.chat).toMatchObject({ status: 'assigned', operatorId: 'ann' });
    expect(await waitingIds()).toEqual([]);
    await consolePage.getByText('0 waiting', { exact: true }).waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => consolePage.getByRole('button', { name: /^Close chat with/ }).count(), { timeout: FEW_SECONDS }).toBe(1);
  });

  it('moves a visitor up as the queue moves, and lets a waiting visitor leave it', async () => {
    // Ann is full again (the chat she was just given): new chats wait.
    const first = await openWidget(await newPage());
    await first.getByRole('button', { name: /^Start chat/ }).click();
    await waitForPlace(first, /^You are number 1 in the queue\b/);
    const second = await openWidget(await newPage());
    await second.getByRole('button', { name: /^Start chat/ }).click();
    await waitForPlace(second, /^You are number 2 in the queue\b/);
    expect(await waitingIds()).toHaveLength(2);

    await first.getByRole('button', { name: 'Leave the queue' }).click();
    await first.getByText('Chat ended').waitFor();
    await waitForPlace(second, /^You are number 1 in the queue\b/);
    expect(await waitingIds()).toHaveLength(1);

    await second.getByRole('button', { name: 'Leave the queue' }).click();
    await second.getByText('Chat ended').waitFor();
    expect(await waitingIds()).toEqual([]);
  });

  it('polls only while the chat waits and the widget is open, and shows the recorded request when the wait ends', async () => {
    const page = await newPage();
    // Its polling, as when the socket cannot be reached (with the socket up it looks once a minute: live-push.test.ts).
    await refuseLiveSocket(page);
    const polls = watchPolls(page);
    // The page's timers run on a clock the test moves: no waiting on real seconds.
    await page.clock.install();
    const dialog = await openWidget(page);
    await page.clock.pauseAt(Date.now() + 60_000);
    /** Moves the page's clock on until the widget has sent `count` polls and their answers are in. */
    const advanceUntilPolls = async (count: number) => {
      await expect
        .poll(
          async () => {
            await page.clock.runFor(500);
            return polls.done;
          },
          { timeout: FEW_SECONDS },
        )
        .toBeGreaterThanOrEqual(count);
    };
    const idle = () => expect.poll(() => polls.sent - polls.done).toBe(0);

    await dialog.getByRole('button', { name: /^Start chat/ }).click();
    await waitForPlace(dialog, /^You are number 1 in the queue\b/);
    expect(polls.sent).toBe(0); // the start reply told the place: no poll until the next beat
    await advanceUntilPolls(1);

    // What the service answers from here on (the server's own queue does not move meanwhile).
    let reply: object = {};
    const answer = (route: Route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(reply) });
    await page.route(/\/v1\/sites\/[^/]+\/chats\/[^/]+$/, (route) => (route.request().method() === 'GET' ? answer(route) : route.fallback()));
    const chatId = (await waitingIds())[0];
    const waiting = (position: number, estimatedWaitSeconds: number | null) => ({
      chat: { id: chatId, status: 'waiting' },
      operator: null,
      queue: { position, estimatedWaitSeconds },
    });

    reply = waiting(3, 125);
    await advanceUntilPolls(polls.done + 1);
    await waitForPlace(dialog, 'You are number 3 in the queue, about 3 min.');
    reply = waiting(2, 30);
    await advanceUntilPolls(polls.done + 1);
    await waitForPlace(dialog, 'You are number 2 in the queue, less than a minute.');

    // Closed: no more polls, however long the page stays.
    await dialog.getByRole('button', { name: 'Close chat window' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await idle();
    const whileClosed = polls.sent;
    await page.clock.runFor(60_000);
    await idle();
    expect(polls.sent).toBe(whileClosed);

    // Reopened: the last place is shown at once and polling resumes.
    await page.getByRole('button', { name: 'Chat with us' }).click();
    await waitForPlace(dialog, 'You are number 2 in the queue, less than a minute.');
    reply = waiting(1, null);
    await advanceUntilPolls(whileClosed + 1);
    await waitForPlace(dialog, 'You are number 1 in the queue.');

    // The wait ends unassigned (maxWaitSeconds): the recorded request, as when the queue is off; polling stops.
    reply = { chat: { id: chatId, status: 'unassigned' }, operator: null, queue: null };
    await advanceUntilPolls(polls.done + 1);
    await dialog.getByText('Your request has been recorded').waitFor();
    await idle();
    const afterEnd = polls.sent;
    await page.clock.runFor(60_000);
    await idle();
    expect(polls.sent).toBe(afterEnd);

    // The chat (still waiting on the server) can be ended from there.
    await page.unrouteAll();
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await dialog.getByText('Chat ended').waitFor();
    expect(await waitingIds()).toEqual([]);
  });
});
