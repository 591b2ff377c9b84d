import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { closeAfterAll, launchChromium, screenshot, watchedPages } from './browser.js';

/**
 * Accepting and transferring chats in the operator console, and chats taken back when nobody
 * accepts them in time, in Chromium against the real local server with the real dispatcher and
 * deadline queue on an isolated table (the answer deadline fires in real time); the admin page
 * sets the answer timeout and the misses before an operator is set away.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;
interface Chat {
  id: string;
  status: string;
  operatorId: string | null;
  assignedBy: string | null;
  acceptedAt: string | null;
  missedBy: string[];
  group: string | null;
}

let api: TestApi;
let browser: Browser;
let site: Site;
// Polling only (the socket refused): the tests count the console's list reads, and the operator's groups (the transfer
// form's suggestions) are not pushed: the console reads them with its polling.
const pages = watchedPages(() => browser, { pollingOnly: true });
/** What the pages refused under their content security policy, and their script errors. */
const { refused, newPage } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'accept-transfer-e2e-'));

/** The console refreshes every 4 s and the admin page every 5 s: room for a slow machine. */
const FEW_SECONDS = 12_000;
/** A 10 s answer timeout, the console's next refresh and a slow machine. */
const TAKE_BACK = 45_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  // The dispatcher also delivers the deadline queue: without it no answer deadline fires.
  api = await startTestApi({ isolated: true, dispatcher: true, statics: [{ prefix: '/', folder: dist }] });
  site = await apiSite(api, ['ann', 'ben']);
  // Chats are started for a chosen operator (the visitor's choice), so each test knows whose it is.
  const settings = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { allowVisitorChoice: true } });
  expect(settings.status).toBe(200);
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);


async function consoleOf(token: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${api.url}/console/`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My open chats' }).waitFor();
  return page;
}

/** A visitor starts a chat with the operator of their choice; returns the chat's id. */
async function startChatWith(operatorId: string, visitorId: string): Promise<string> {
  const started = await api.call('POST', `/v1/sites/${site.siteId}/chats`, { body: { visitorId, operatorId } });
  expect(started.status).toBe(201);
  expect(started.body.chat.operatorId).toBe(operatorId);
  return started.body.chat.id;
}

const chatOf = async (chatId: string): Promise<Chat> => {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}/chats/${chatId}`, { token: site.adminToken });
  expect(reply.status).toBe(200);
  return reply.body.chat;
};
const operatorsById = async () => {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}/operators`, { token: site.adminToken });
  return Object.fromEntries((reply.body.operators as { id: string; missed: number; missedInARow: number }[]).map((o) => [o.id, o]));
};
const setAnswerTimeout = async (seconds: number | null) => {
  const reply = await api.call('PUT', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken, body: { answerTimeoutSeconds: seconds } });
  expect(reply.body.answerTimeoutSeconds).toBe(seconds);
};

const chatsTable = (page: Page) => page.getByRole('table', { name: /^My open chats/ });
const chatRow = (page: Page, visitorId: string): Locator =>
  chatsTable(page)
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: visitorId, exact: true }) });
/** Whether the element has the focus (run in the page). */
const hasFocus = (locator: Locator) =>
  locator.evaluate((node) => node === (node as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement);
/** One flag of an input's validity state (run in the page). */
const validity = (locator: Locator, flag: string) =>
  locator.evaluate((input, name) => (input as unknown as { validity: Record<string, boolean> }).validity[name], flag);
const notices = (page: Page) => page.getByRole('log', { name: 'Chat notices' });
const statusLine = (page: Page) => page.locator('#status-message');

describe('accepting and transferring chats in the console', () => {
  let ann: Page;
  let ben: Page;

  beforeAll(async () => {
    ann = await consoleOf(site.tokens.ann!);
    ben = await consoleOf(site.tokens.ben!);
  });

  it('accepts a chat: the row says Accepted, and the chat has acceptedAt', async () => {
    const chatId = await startChatWith('ann', 'visitor-accept');
    const row = chatRow(ann, 'visitor-accept');
    await row.waitFor({ timeout: FEW_SECONDS });
    // Not accepted yet: the time left when the site has an answer timeout, else the time since the assignment.
    await expect.poll(() => row.getByRole('cell', { name: /^Not accepted(: \d+:\d\d left to accept| \(assigned \d+:\d\d ago\))$/ }).count()).toBe(1);
    expect((await chatOf(chatId)).acceptedAt).toBeNull();

    await ann.getByRole('button', { name: 'Accept chat with visitor-accept' }).click();
    await statusLine(ann).getByText('Chat with visitor-accept accepted.').waitFor();
    await row.getByRole('cell', { name: 'Accepted', exact: true }).waitFor();
    expect(await row.getByRole('button', { name: /^Accept chat/ }).count()).toBe(0);
    const chat = await chatOf(chatId);
    expect(chat).toMatchObject({ status: 'assigned', operatorId: 'ann' });
    expect(Date.parse(chat.acceptedAt!)).not.toBeNaN();
    expect((await operatorsById()).ann).toMatchObject({ missed: 0, missedInARow: 0 });

    // The next refreshes keep it accepted (and the focus moved to the row's Transfer button).
    expect(await hasFocus(ann.getByRole('button', { name: 'Transfer chat with visitor-accept' }))).toBe(true);
    let listed = 0;
    const counter = (request: { method(): string; url(): string }) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/operators/ann/chats')) listed += 1;
    };
    ann.on('request', counter);
    await expect.poll(() => listed, { timeout: FEW_SECONDS }).toBeGreaterThanOrEqual(2);
    ann.off('request', counter);
    expect(await row.getByRole('cell', { name: 'Accepted', exact: true }).count()).toBe(1);
  });

  it("transfers a chat to another operator: the API's refusal is shown, then the chat becomes the other operator's", async () => {
    const chatId = await startChatWith('ann', 'visitor-transfer');
    await chatRow(ann, 'visitor-transfer').waitFor({ timeout: FEW_SECONDS });

    const open = ann.getByRole('button', { name: 'Transfer chat with visitor-transfer' });
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const form = ann.getByRole('form', { name: 'Transfer the chat with visitor-transfer' });
    await form.waitFor();
    expect(await form.getByRole('radio', { name: 'An operator' }).isChecked()).toBe(true);
    const operatorId = form.getByLabel('Operator id');
    expect(await hasFocus(operatorId)).toBe(true);

    // An operator the site does not have: the service's message, in the page's error style.
    await operatorId.fill('nobody');
    await form.getByRole('button', { name: 'Transfer now' }).click();
    await expect.poll(() => ann.getByRole('alert').textContent(), { timeout: FEW_SECONDS }).toBe('Transfer failed: No such operator on this site.');
    expect(await hasFocus(operatorId)).toBe(true); // back to the field, to correct it
    expect(await chatOf(chatId)).toMatchObject({ operatorId: 'ann', assignedBy: 'visitor' });

    await operatorId.fill('ben');
    await form.getByRole('button', { name: 'Transfer now' }).click();
    await statusLine(ann).getByText('Chat with visitor-transfer transferred to operator ben.').waitFor();
    expect(await form.isVisible()).toBe(false);
    expect(await chatRow(ann, 'visitor-transfer').count()).toBe(0);
    expect(await chatOf(chatId)).toMatchObject({ status: 'assigned', operatorId: 'ben', assignedBy: 'transfer', acceptedAt: null });

    // Ben's console lists it, to be accepted; Ann's tells nothing of a chat she moved herself.
    const benRow = chatRow(ben, 'visitor-transfer');
    await benRow.waitFor({ timeout: FEW_SECONDS });
    expect(await benRow.getByRole('cell', { name: 'transfer', exact: true }).count()).toBe(1);
    await ben.getByRole('button', { name: 'Accept chat with visitor-transfer' }).waitFor();
    let listed = 0;
    ann.on('request', (request) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/operators/ann/chats')) listed += 1;
    });
    await expect.poll(() => listed, { timeout: FEW_SECONDS }).toBeGreaterThanOrEqual(2);
    expect(await notices(ann).getByText(/visitor-transfer/).count()).toBe(0);
    expect(await chatRow(ann, 'visitor-transfer').count()).toBe(0);
  });

  it('transfers to a group: the group field suggests my groups, and an unknown group is refused', async () => {
    const put = await api.call('PUT', `/v1/sites/${site.siteId}/groups/sales`, { token: site.adminToken, body: { name: 'Sales' } });
    expect(put.status).toBe(201);
    const inGroup = await api.call('PUT', `/v1/sites/${site.siteId}/operators/ben`, { token: site.adminToken, body: { name: 'Operator ben', groups: ['sales'] } });
    expect(inGroup.status).toBe(200);
    const chatId = await startChatWith('ben', 'visitor-group');
    await chatRow(ben, 'visitor-group').waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => ben.locator('#my-group-ids option').evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value)), { timeout: FEW_SECONDS }).toEqual(['sales']);

    await ben.getByRole('button', { name: 'Transfer chat with visitor-group' }).click();
    const form = ben.getByRole('form', { name: 'Transfer the chat with visitor-group' });
    await form.getByRole('radio', { name: 'A group' }).check();
    expect(await form.getByLabel('Operator id').isVisible()).toBe(false);
    const group = form.getByLabel('Group id');
    expect(await group.getAttribute('list')).toBe('my-group-ids');
    await group.fill('legal');
    await form.getByRole('button', { name: 'Transfer now' }).click();
    await expect.poll(() => ben.getByRole('alert').textContent(), { timeout: FEW_SECONDS }).toBe('Transfer failed: No such group on this site.');

    // Cancel closes the form and gives the focus back to the row's button; nothing moved.
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect(await form.isVisible()).toBe(false);
    const open = ben.getByRole('button', { name: 'Transfer chat with visitor-group' });
    expect(await hasFocus(open)).toBe(true);
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    expect(await chatOf(chatId)).toMatchObject({ operatorId: 'ben', status: 'assigned' });

    // Ben is the group's only operator: transferred to it, the chat comes back to him.
    await open.click();
    await form.getByRole('radio', { name: 'A group' }).check();
    await group.fill('sales');
    await form.getByRole('button', { name: 'Transfer now' }).click();
    await expect.poll(() => statusLine(ben).textContent(), { timeout: FEW_SECONDS }).toMatch(/^Chat with visitor-group transferred to group sales/);
    await expect.poll(async () => (await chatOf(chatId)).group, { timeout: FEW_SECONDS }).toBe('sales');
  });

  it('tells the operator when a chat not accepted in time was taken back, and the chat goes to someone else', async () => {
    await setAnswerTimeout(10);
    // Signed in again (the token is kept for the tab), the console knows the timeout and counts down to it.
    await ann.reload();
    const chatId = await startChatWith('ann', 'visitor-late');
    const row = chatRow(ann, 'visitor-late');
    await row.waitFor({ timeout: FEW_SECONDS });
    await expect.poll(() => row.getByRole('cell', { name: /^Not accepted: 0:(0\d|10) left to accept$/ }).count()).toBe(1);

    // Nobody accepts it: ten seconds after its assignment the deadline takes it back.
    await notices(ann)
      .getByText(`Chat ${chatId} (visitor visitor-late) was taken back: it was not accepted in time.`)
      .waitFor({ timeout: TAKE_BACK });
    expect(await row.count()).toBe(0);
    const chat = await chatOf(chatId);
    expect(chat.missedBy).toContain('ann');
    expect(chat.operatorId).not.toBe('ann');
    expect((await operatorsById()).ann).toMatchObject({ missed: 1, missedInARow: 1 });
  }, 90_000);

  it('tells the operator when an accept came too late (409 chat_not_yours)', async () => {
    const chatId = await startChatWith('ann', 'visitor-too-late');
    const row = chatRow(ann, 'visitor-too-late');
    await row.waitFor({ timeout: FEW_SECONDS });
    // The console stops seeing its list, so the row stays while the deadline takes the chat back.
    const list = `**/v1/sites/${site.siteId}/operators/ann/chats`;
    await ann.route(list, (route) => route.abort());
    await expect.poll(async () => (await chatOf(chatId)).missedBy, { timeout: TAKE_BACK, interval: 1_000 }).toContain('ann');

    await ann.getByRole('button', { name: 'Accept chat with visitor-too-late' }).click();
    await notices(ann)
      .getByText(`Chat ${chatId} (visitor visitor-too-late) was taken back: it was not accepted in time.`)
      .waitFor({ timeout: FEW_SECONDS });
    expect(await row.count()).toBe(0);
    expect((await chatOf(chatId)).acceptedAt).toBeNull();
    await ann.unroute(list);
    expect((await operatorsById()).ann).toMatchObject({ missed: 2, missedInARow: 2 });
    await setAnswerTimeout(null);
  }, 90_000);

  it('shows accepted and new chats, the notices and the transfer form together', async () => {
    await startChatWith('ann', 'visitor-new');
    await chatRow(ann, 'visitor-new').waitFor({ timeout: FEW_SECONDS });
    expect(await notices(ann).getByRole('paragraph').count()).toBe(2);
    await ann.getByRole('button', { name: 'Transfer chat with visitor-new' }).click();
    await ann.getByRole('form', { name: 'Transfer the chat with visitor-new' }).waitFor();
    await screenshot(ann, 'console-accept-transfer', { fullPage: true });
    await ann.keyboard.press('Escape');
    await expect.poll(() => ann.getByRole('form', { name: /^Transfer the chat/ }).count()).toBe(0);
    // Under the pages' CSP (no inline script or style), nothing was refused and no script failed.
    expect(refused).toEqual([]);
  });
});

describe('the answer timeout and the misses on the admin page', () => {
  let admin: Page;

  beforeAll(async () => {
    admin = await newPage();
    await admin.goto(`${api.url}/admin/`);
    await admin.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Settings' }).waitFor();
  });

  const settings = async () => (await api.call('GET', `/v1/sites/${site.siteId}/settings`, { token: site.adminToken })).body;

  it('sets both (empty: off), checking their ranges, and reads them back after a reload', async () => {
    const timeout = admin.getByLabel(/^Take back a chat not accepted within/);
    const misses = admin.getByLabel(/^Set an operator away after missing/);
    const save = admin.getByRole('button', { name: 'Save settings' });
    expect(await timeout.inputValue()).toBe('');
    expect(await misses.inputValue()).toBe('');
    expect(await timeout.getAttribute('min')).toBe('10');
    expect(await timeout.getAttribute('max')).toBe('900');
    expect(await misses.getAttribute('min')).toBe('1');
    expect(await misses.getAttribute('max')).toBe('20');

    // Out of range: the browser refuses the form, and nothing is sent.
    await timeout.fill('5');
    await save.click();
    expect(await validity(timeout, 'rangeUnderflow')).toBe(true);
    await timeout.fill('120');
    await misses.fill('21');
    await save.click();
    expect(await validity(misses, 'rangeOverflow')).toBe(true);
    expect(await settings()).toMatchObject({ answerTimeoutSeconds: null, awayAfterMisses: null });

    await misses.fill('3');
    await save.click();
    await admin.getByRole('status').getByText('Settings saved.').waitFor();
    expect(await settings()).toMatchObject({ answerTimeoutSeconds: 120, awayAfterMisses: 3 });

    await admin.reload(); // signs in again from this tab's session
    await admin.getByRole('heading', { name: 'Settings' }).waitFor();
    await expect.poll(() => timeout.inputValue(), { timeout: FEW_SECONDS }).toBe('120');
    expect(await misses.inputValue()).toBe('3');

    await timeout.fill('');
    await misses.fill('');
    await save.click();
    await expect.poll(settings).toMatchObject({ answerTimeoutSeconds: null, awayAfterMisses: null });
    expect(await timeout.inputValue()).toBe('');
  });

  it("sets the widget's language, which the widget object then gives", async () => {
    const language = admin.getByLabel('Widget language');
    expect(await language.inputValue()).toBe('en');
    await language.selectOption('ru');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(settings, { timeout: FEW_SECONDS }).toMatchObject({ language: 'ru' });
    expect((await api.call('GET', `/v1/sites/${site.siteId}/widget`)).body.language).toBe('ru');
    await admin.reload();
    await admin.getByRole('heading', { name: 'Settings' }).waitFor();
    await expect.poll(() => language.inputValue(), { timeout: FEW_SECONDS }).toBe('ru');
    await language.selectOption('en');
    await admin.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(settings, { timeout: FEW_SECONDS }).toMatchObject({ language: 'en' });
  });

  it("shows each operator's missed chats", async () => {
    const annRow = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'Operator ann', exact: true }) });
    await annRow.getByRole('cell', { name: '2 (2 in a row)', exact: true }).waitFor({ timeout: FEW_SECONDS });
    expect(await admin.getByRole('columnheader', { name: 'Missed' }).count()).toBe(1);
    await screenshot(admin, 'admin-answer-timeout', { fullPage: true });
    expect(refused).toEqual([]);
  });
});
