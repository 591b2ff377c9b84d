import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { launchChromium, refuseLiveSocket, screenshot } from './browser.js';

/**
 * Groups (departments) in Chromium, against the real local server: the admin page creates,
 * edits and deletes groups and puts operators into them; a visitor picks a department in the
 * widget and the chat goes to an operator of it (or waits for one); the console shows an
 * operator's groups.
 */

type Site = Awaited<ReturnType<typeof apiSite>>;

let api: TestApi;
let browser: Browser;
const contexts: BrowserContext[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'groups-e2e-'));
const hostDir = join(workDir, 'host');

/** The console refreshes every 4 s and the admin page every 5 s: room for a slow machine. */
const FEW_SECONDS = 12_000;

beforeAll(async () => {
  // Its own build: other test files rebuild web/dist while this one may run.
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  mkdirSync(hostDir);
  api = await startTestApi({
    statics: [
      { prefix: '/host', folder: hostDir },
      { prefix: '/', folder: dist },
    ],
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.close();
});

/**
 * Polling only (the socket refused): this file's server runs no live notifier, and an operator's
 * groups are not pushed (the console reads them with its polling: every 4 s without the socket,
 * once a minute with it).
 */
async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  await refuseLiveSocket(context);
  return context.newPage();
}

/** A customer's page embedding the site's widget; returns its URL. */
function hostPageFor(siteId: string): string {
  mkdirSync(join(hostDir, siteId));
  writeFileSync(
    join(hostDir, siteId, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="/widget.js" data-site="${siteId}" async></script></body></html>`,
  );
  return `${api.url}/host/${siteId}/`;
}

const adminGet = async (site: Site, path: string) => {
  const reply = await api.call('GET', `/v1/sites/${site.siteId}${path}`, { token: site.adminToken });
  expect(reply.status).toBe(200);
  return reply.body;
};
const groupsOf = async (site: Site) => (await adminGet(site, '/groups')).groups as { id: string; name: string; fallbackAfterSeconds: number | null }[];
const operatorGroups = async (site: Site) =>
  Object.fromEntries(((await adminGet(site, '/operators')).operators as { id: string; groups: string[] }[]).map((o) => [o.id, o.groups]));

describe('groups (departments) on the admin page', () => {
  let site: Site;
  let admin: Page;
  /** What the next confirm() answers, and the questions asked. */
  let confirmAnswer = true;
  const questions: string[] = [];

  const groupsTable = () => admin.getByRole('table', { name: 'Groups' });
  const groupRow = (name: string) =>
    groupsTable()
      .getByRole('row')
      .filter({ has: admin.getByRole('rowheader', { name, exact: true }) });
  const groupsOfOperator = (name: string) => admin.getByRole('group', { name: `Groups of ${name}` });
  const status = () => admin.getByRole('status');

  beforeAll(async () => {
    site = await apiSite(api, ['ann', 'ben'], { online: false });
    admin = await newPage();
    admin.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (confirmAnswer ? dialog.accept() : dialog.dismiss());
    });
    await admin.goto(`${api.url}/admin/`);
    await admin.getByLabel('Admin token', { exact: true }).fill(site.adminToken);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('heading', { name: 'Groups (departments)' }).waitFor();
  });

  it('creates groups with and without a fallback, and shows them', async () => {
    await admin.getByText('No groups yet').waitFor();
    // Without groups, an operator's row has no group checkboxes.
    expect(await groupsOfOperator('Operator ann').isVisible()).toBe(false);

    await admin.getByLabel('Group id').fill('sales');
    await admin.getByLabel('Group name').fill('Sales');
    await admin.getByLabel(/^Fall back to any operator after/).fill('30');
    await admin.getByRole('button', { name: 'Add group' }).click();
    await status().getByText('Group Sales added.').waitFor();
    expect(await groupsOf(site)).toEqual([{ id: 'sales', name: 'Sales', fallbackAfterSeconds: 30 }]);
    await groupRow('Sales').getByText('After 30 s').waitFor();
    // The form is cleared for the next group.
    expect(await admin.getByLabel('Group id').inputValue()).toBe('');

    await admin.getByLabel('Group id').fill('support');
    await admin.getByLabel('Group name').fill('Support');
    await admin.getByRole('button', { name: 'Add group' }).click();
    await status().getByText('Group Support added.').waitFor();
    await groupRow('Support').getByText('Never').waitFor();
    expect(await groupsOf(site)).toEqual(
      expect.arrayContaining([
        { id: 'sales', name: 'Sales', fallbackAfterSeconds: 30 },
        { id: 'support', name: 'Support', fallbackAfterSeconds: null },
      ]),
    );
    expect(await admin.getByText('No groups yet').isVisible()).toBe(false);
  });

  it('renames a group and changes its fallback (empty: never), or leaves it as it was on Cancel', async () => {
    await admin.getByRole('button', { name: 'Edit Sales' }).click();
    await admin.getByLabel('New name for Sales').fill('Nothing');
    await admin.getByRole('button', { name: 'Cancel' }).click();
    await admin.getByRole('button', { name: 'Edit Sales' }).waitFor();
    expect((await groupsOf(site)).find((group) => group.id === 'sales')?.name).toBe('Sales');

    await admin.getByRole('button', { name: 'Edit Sales' }).click();
    const fallback = admin.getByLabel(/^Fallback for Sales/);
    expect(await fallback.inputValue()).toBe('30');
    await admin.getByLabel('New name for Sales').fill('Sales team');
    await fallback.fill('');
    await admin.getByLabel('New name for Sales').press('Enter');
    await status().getByText('Group Sales team saved: its chats wait for its operators only.').waitFor();
    expect((await groupsOf(site)).find((group) => group.id === 'sales')).toEqual({ id: 'sales', name: 'Sales team', fallbackAfterSeconds: null });
    await groupRow('Sales team').getByText('Never').waitFor();

    await admin.getByRole('button', { name: 'Edit Sales team' }).click();
    await admin.getByLabel(/^Fallback for Sales team/).fill('0');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await status().getByText('Group Sales team saved: its chats may go to any operator at once.').waitFor();
    expect((await groupsOf(site)).find((group) => group.id === 'sales')?.fallbackAfterSeconds).toBe(0);
    await groupRow('Sales team').getByText('At once').waitFor();
  });

  it("puts an operator into a group with its checkboxes; GET operators shows it, and the page keeps it after a reload", async () => {
    const ben = groupsOfOperator('Operator ben');
    await ben.getByRole('checkbox', { name: 'Sales team' }).check();
    await ben.getByRole('button', { name: 'Save groups for Operator ben' }).click();
    await status().getByText('Groups of Operator ben: Sales team.').waitFor();
    expect(await operatorGroups(site)).toEqual({ ann: [], ben: ['sales'] });

    await admin.reload(); // signs in again from this tab's session
    await admin.getByRole('heading', { name: 'Groups (departments)' }).waitFor();
    await expect
      .poll(() => groupsOfOperator('Operator ben').getByRole('checkbox', { name: 'Sales team' }).isChecked(), { timeout: FEW_SECONDS })
      .toBe(true);
    expect(await groupsOfOperator('Operator ben').getByRole('checkbox', { name: 'Support' }).isChecked()).toBe(false);
    expect(await groupsOfOperator('Operator ann').getByRole('checkbox', { name: 'Sales team' }).isChecked()).toBe(false);
    await screenshot(admin, 'admin-groups', { fullPage: true });
  });

  it('deletes a group only once confirmed; its operators leave it', async () => {
    const ann = groupsOfOperator('Operator ann');
    await ann.getByRole('checkbox', { name: 'Support' }).check();
    await ann.getByRole('button', { name: 'Save groups for Operator ann' }).click();
    await status().getByText('Groups of Operator ann: Support.').waitFor();
    expect(await operatorGroups(site)).toEqual({ ann: ['support'], ben: ['sales'] });

    confirmAnswer = false;
    await admin.getByRole('button', { name: 'Delete Support' }).click();
    await expect.poll(() => questions.length, { timeout: FEW_SECONDS }).toBe(1);
    expect(questions[0]).toContain('Delete group Support (support)?');
    expect((await groupsOf(site)).map((group) => group.id).sort()).toEqual(['sales', 'support']);

    confirmAnswer = true;
    await admin.getByRole('button', { name: 'Delete Support' }).click();
    await status().getByText('Group Support deleted.').waitFor();
    expect((await groupsOf(site)).map((group) => group.id)).toEqual(['sales']);
    expect(await operatorGroups(site)).toEqual({ ann: [], ben: ['sales'] });
    await expect.poll(() => groupsTable().getByRole('row').count(), { timeout: FEW_SECONDS }).toBe(2); // the header and Sales team
    await expect.poll(() => ann.getByRole('checkbox').count(), { timeout: FEW_SECONDS }).toBe(1);
  });

  it("shows the service's refusal in the page's error style and changes nothing", async () => {
    // An operator may be in at most 20 groups: the page leaves that rule to the service.
    for (let index = 1; index <= 20; index += 1) {
      const id = `g${String(index).padStart(2, '0')}`;
      const put = await api.call('PUT', `/v1/sites/${site.siteId}/groups/${id}`, { token: site.adminToken, body: { name: `Group ${id}` } });
      expect(put.status).toBe(201);
    }
    const ann = groupsOfOperator('Operator ann');
    await expect.poll(() => ann.getByRole('checkbox').count(), { timeout: FEW_SECONDS }).toBe(21); // the page's own refresh
    for (const box of await ann.getByRole('checkbox').all()) await box.check();
    await ann.getByRole('button', { name: 'Save groups for Operator ann' }).click();
    await expect.poll(() => admin.getByRole('alert').textContent(), { timeout: FEW_SECONDS }).toMatch(/\bgroups\b/);
    expect(await operatorGroups(site)).toEqual({ ann: [], ben: ['sales'] });

    // The admin's ticks, not saved, stay through the page's refresh: the page asks for the
    // operators again only once its previous refresh is shown, so two asks make one shown.
    let asked = 0;
    admin.on('request', (request) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/operators')) asked += 1;
    });
    await expect.poll(() => asked, { timeout: 3 * FEW_SECONDS }).toBeGreaterThanOrEqual(2);
    expect(await ann.getByRole('checkbox', { checked: true }).count()).toBe(21);
    expect(await groupsOfOperator('Operator ben').getByRole('checkbox', { checked: true }).count()).toBe(1);
  });
});

describe('choosing a department in the widget', () => {
  let site: Site;
  let hostUrl: string;

  beforeAll(async () => {
    // Ann and Ben online, queue distribution: without a group, Ben's second chat would go to Ann.
    site = await apiSite(api, ['ann', 'ben']);
    hostUrl = hostPageFor(site.siteId);
  });

  async function openWidget(): Promise<{ page: Page; dialog: Locator }> {
    const page = await newPage();
    await page.goto(hostUrl);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const dialog = page.getByRole('dialog', { name: 'Chat with us' });
    await dialog.getByRole('button', { name: /^Start chat/ }).waitFor();
    return { page, dialog };
  }

  /** Starts the chat from the open widget; returns what it sent and what the service answered. */
  async function start(page: Page, dialog: Locator) {
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.request().method() === 'POST' && /\/v1\/sites\/[^/]+\/chats$/.test(new URL(candidate.url()).pathname)),
      dialog.getByRole('button', { name: /^Start chat/ }).click(),
    ]);
    const sent = response.request().postDataJSON() as { group?: string };
    const reply = (await response.json()) as { chat: { id: string } };
    return { sent, chatId: reply.chat.id };
  }

  const chatOf = async (chatId: string) => (await adminGet(site, `/chats/${chatId}`)).chat;

  it('shows no department choice while the site has no groups', async () => {
    const { page, dialog } = await openWidget();
    expect(await dialog.getByRole('group', { name: 'Department' }).count()).toBe(0);
    expect(await dialog.getByRole('radio').count()).toBe(0);
    await page.close();
  });

  it('sends the chat to an operator of the chosen department, each time', async () => {
    for (const [id, name] of [
      ['sales', 'Sales'],
      ['support', 'Support'],
    ]) {
      const put = await api.call('PUT', `/v1/sites/${site.siteId}/groups/${id}`, { token: site.adminToken, body: { name } });
      expect(put.status).toBe(201);
    }
    const ben = await api.call('PUT', `/v1/sites/${site.siteId}/operators/ben`, { token: site.adminToken, body: { name: 'Operator ben', groups: ['sales'] } });
    expect(ben.body.operator.groups).toEqual(['sales']);
    for (const id of ['ann', 'ben']) {
      const beat = await api.call('POST', `/v1/sites/${site.siteId}/operators/${id}/heartbeat`, { token: site.tokens[id] });
      expect(beat.status).toBe(204);
    }
    const widget = await api.call('GET', `/v1/sites/${site.siteId}/widget`);
    expect(widget.body.groups).toEqual(
      expect.arrayContaining([
        { id: 'sales', name: 'Sales', available: true },
        { id: 'support', name: 'Support', available: false },
      ]),
    );

    const assignedTo: string[] = [];
    for (let visitor = 0; visitor < 2; visitor += 1) {
      const { page, dialog } = await openWidget();
      const departments = dialog.getByRole('group', { name: 'Department' });
      // Each department says in words whether someone is free in it.
      const sales = departments.getByRole('radio', { name: 'Sales (available now)' });
      const support = departments.getByRole('radio', { name: 'Support (nobody free now)' });
      await sales.waitFor();
      await support.waitFor();
      if (visitor === 0) await screenshot(page, 'widget-departments');
      await support.check();
      await sales.check();
      const { sent, chatId } = await start(page, dialog);
      expect(sent.group).toBe('sales');
      await dialog.getByText('You are chatting with Operator ben.').waitFor();
      const chat = await chatOf(chatId);
      expect(chat).toMatchObject({ status: 'assigned', group: 'sales', operatorId: 'ben' });
      assignedTo.push(chat.operatorId);
    }
    expect(assignedTo).toEqual(['ben', 'ben']);
  });

  it('lets a visitor choose with the keyboard a department where nobody is free: the chat waits for it, not for Ann', async () => {
    const { dialog, page } = await openWidget();
    const sales = dialog.getByRole('radio', { name: /^Sales/ });
    const support = dialog.getByRole('radio', { name: /^Support/ });
    // The free department is chosen to begin with, and has the focus.
    await expect
      .poll(() => sales.evaluate((radio) => radio === (radio.getRootNode() as unknown as { activeElement: unknown }).activeElement), {
        timeout: FEW_SECONDS,
      })
      .toBe(true);
    expect(await sales.isChecked()).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await support.isChecked()).toBe(true);

    const { sent, chatId } = await start(page, dialog);
    expect(sent.group).toBe('support');
    await dialog.getByRole('status').filter({ hasText: /^You are number 1 in the queue\b/ }).waitFor();
    expect(await chatOf(chatId)).toMatchObject({ status: 'waiting', group: 'support', operatorId: null });

    await dialog.getByRole('button', { name: 'Leave the queue' }).click();
    await dialog.getByText('Chat ended').waitFor();
    expect((await chatOf(chatId)).status).toBe('closed');
  });

  it("shows each operator its groups in the console, following the admin's changes", async () => {
    const consoleOf = async (token: string) => {
      const page = await newPage();
      await page.goto(`${api.url}/console/`);
      await page.getByLabel('Operator token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    };
    const myGroups = (page: Page) => page.locator('#my-groups');
    const ben = await consoleOf(site.tokens.ben!);
    await ben.getByText('My groups (departments): sales').waitFor();
    // Ben's two chats came through Sales: the console says so.
    await expect.poll(() => ben.getByRole('row').filter({ hasText: 'sales' }).count(), { timeout: FEW_SECONDS }).toBe(2);
    const ann = await consoleOf(site.tokens.ann!);
    await ann.getByText('My groups (departments): none').waitFor();

    const put = await api.call('PUT', `/v1/sites/${site.siteId}/operators/ann`, { token: site.adminToken, body: { name: 'Operator ann', groups: ['sales', 'support'] } });
    expect(put.status).toBe(200);
    await expect.poll(() => myGroups(ann).textContent(), { timeout: FEW_SECONDS }).toBe('sales, support');
    expect(await myGroups(ben).textContent()).toBe('sales');
  });
});
