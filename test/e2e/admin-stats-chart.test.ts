import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASSIGNMENT_METHODS } from '../../lib/domain/distribution/index.js';
import type { SettingsPatch } from '../../lib/domain/schemas.js';
import type { DayStats, SiteStats } from '../../lib/domain/stats.js';
import type { EngineDeps } from '../../lib/engine/deps.js';
import { dispatchWaiting } from '../../lib/engine/dispatch.js';
import { setOperatorStatus, upsertOperator } from '../../lib/engine/operators.js';
import { createSite, updateSettings } from '../../lib/engine/sites.js';
import { startChat } from '../../lib/engine/start-chat.js';
import { buildWeb } from '../../web/build.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testEngine } from '../support/engine.js';
import { axeCheck } from './axe.js';
import { closeAfterAll, launchChromium, SCREENSHOTS, watchedPages } from './browser.js';

/**
 * The admin page's Statistics card in Chromium, against the real local server: three past days
 * of history, written through the engine with a clock set to each day on the server's own table
 * (chats cannot be back-dated over HTTP), are drawn as stacked bars per day (a segment per rule,
 * in proportion to its count), a legend of the rules used, p50/p90 wait points for the days that
 * had assignments, and a table of the same numbers as the API's reply; axe finds nothing serious;
 * another period refetches; the charts fit a phone. UPDATE_SCREENSHOTS=1 rewrites
 * docs/screenshots/admin-stats.png.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const DOC_SCREENSHOT = join(process.cwd(), 'docs', 'screenshots', 'admin-stats.png');

let api: TestApi;
let browser: Browser;
const pages = watchedPages(() => browser, { pollingOnly: true });
const { refused } = pages;
const workDir = mkdtempSync(join(tmpdir(), 'admin-stats-'));
let adminToken: string;
let siteId: string;

/** The start of today (UTC) and the day `daysAgo` days before it, as YYYY-MM-DD. */
const todayMs = Date.parse(new Date().toISOString().slice(0, 10));
const dayOf = (daysAgo: number) => new Date(todayMs - daysAgo * DAY).toISOString().slice(0, 10);

/**
 * Three days of history, each at 10:00 UTC, with two operators:
 * 3 days ago: 3 chats by the queue, 1 the visitor chose (4);
 * 2 days ago: 2 at random, 1 that waited 90 s for an operator, 1 unassigned (nobody online, queue off) (4);
 * yesterday: 1 to the default operator, 1 that waited 30 s (2).
 */
async function writeHistory() {
  const engine = testEngine({ tableName: api.tableName });
  const deps: EngineDeps = { ...engine.deps, clock: engine.clock.now, deadlines: { schedule: () => Promise.resolve() } };
  const { clock } = engine;
  let visitor = 0;
  const chat = async (extra: { operatorId?: string } = {}) => {
    clock.advance(60_000);
    return (await startChat(deps, siteId, { visitorId: `v${++visitor}`, clientType: 'regular', ...extra })).chat;
  };
  const online = async (...ids: string[]) => {
    for (const id of ['ann', 'ben']) await setOperatorStatus(deps, siteId, id, ids.includes(id) ? 'online' : 'offline');
  };
  const settings = (patch: SettingsPatch) => updateSettings(deps, siteId, patch);
  /** A chat that waits with nobody online until `seconds` later `operatorId` comes online and the dispatcher gives it to them. */
  const waitedChat = async (seconds: number, operatorId: string) => {
    await online();
    const waiting = await chat();
    expect(waiting.status).toBe('waiting');
    clock.advance(seconds * 1000);
    await online(operatorId);
    await dispatchWaiting(deps, siteId);
  };

  clock.set(todayMs - 3 * DAY + 8 * HOUR);
  ({ siteId, adminToken } = await createSite(deps, { name: 'Stats shop' }));
  for (const id of ['ann', 'ben']) await upsertOperator(deps, siteId, id, { name: `Operator ${id}`, maxChats: null });
  await settings({ distribution: 'queue', allowVisitorChoice: true, heartbeatTimeoutSeconds: 3600 });

  clock.set(todayMs - 3 * DAY + 10 * HOUR);
  await online('ann', 'ben');
  for (let i = 0; i < 3; i++) await chat();
  await chat({ operatorId: 'ben' });

  clock.set(todayMs - 2 * DAY + 10 * HOUR);
  await settings({ distribution: 'random' });
  await online('ann', 'ben');
  for (let i = 0; i < 2; i++) await chat();
  await waitedChat(90, 'ann');
  await online();
  await settings({ queueEnabled: false });
  expect((await chat()).status).toBe('unassigned');

  clock.set(todayMs - DAY + 10 * HOUR);
  await settings({ queueEnabled: true, distribution: 'queue', defaultOperators: { regular: 'ann', target: null } });
  await online('ann');
  expect((await chat()).assignedBy).toBe('default');
  await waitedChat(30, 'ben');
}

beforeAll(async () => {
  const dist = join(workDir, 'dist');
  await buildWeb(dist);
  api = await startTestApi({ statics: [{ prefix: '/', folder: dist }] });
  await writeHistory();
  browser = await launchChromium();
}, 120_000);

closeAfterAll(() => [pages, browser, api]);

/** The labels the page gives the rules (the modes' own, from the registry, for the first three). */
const LABELS: Record<string, string> = {
  queue: 'Queue (smart distribution)',
  random: 'Random',
  'least-busy': 'Least busy',
  default: 'Default operator',
  visitor: 'Visitor’s choice',
  returning: 'Returning visitor',
  transfer: 'Transfer',
  unassigned: 'Unassigned',
};
const SEGMENTS = [...ASSIGNMENT_METHODS, 'unassigned'] as const;
const countOf = (day: DayStats, segment: (typeof SEGMENTS)[number]) => (segment === 'unassigned' ? day.unassigned : day.byMethod[segment]);
const seconds = (value: number) => String(Math.round(value * 10) / 10);

const section = (page: Page) => page.getByRole('region', { name: 'Statistics' });
const bars = (page: Page) => section(page).locator('#chats-chart svg g[data-date]');
const bar = (page: Page, date: string) => section(page).locator(`#chats-chart svg g[data-date="${date}"]`);
const numbers = (locator: Locator, name: string) => locator.evaluateAll((nodes, attribute) => nodes.map((node) => Number((node as unknown as { getAttribute(name: string): string }).getAttribute(attribute))), name);

async function lastWeek(): Promise<SiteStats> {
  const reply = await api.call('GET', `/v1/sites/${siteId}/stats?from=${dayOf(6)}`, { token: adminToken });
  expect(reply.status).toBe(200);
  return reply.body;
}

describe('the Statistics card of the admin page', () => {
  let page: Page;
  let stats: SiteStats;

  it('has the history in the stats reply, one line per day of the last week', async () => {
    stats = await lastWeek();
    expect(stats.days.map((day) => day.date)).toEqual([6, 5, 4, 3, 2, 1, 0].map(dayOf));
    const [threeAgo, twoAgo, yesterday] = stats.days.slice(3, 6);
    expect(threeAgo).toMatchObject({ assigned: 4, unassigned: 0, byMethod: { queue: 3, visitor: 1 }, waitSeconds: { p50: 0, p90: 0 } });
    expect(twoAgo).toMatchObject({ assigned: 3, unassigned: 1, waitSeconds: { p90: 90 } });
    expect(twoAgo!.byMethod.random).toBeGreaterThanOrEqual(2);
    expect(yesterday).toMatchObject({ assigned: 2, unassigned: 0, byMethod: { default: 1 }, waitSeconds: { p90: 30 } });
    for (const date of [6, 5, 4, 0].map(dayOf)) expect(stats.days.find((day) => day.date === date)).toMatchObject({ assigned: 0, unassigned: 0, waitSeconds: null });
  });

  it('draws a stacked bar per day, each segment in proportion to its count, with a legend of the rules used', async () => {
    page = await pages.newPage();
    await page.goto(`${api.url}/admin/`);
    await page.getByLabel('Admin token', { exact: true }).fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const chart = section(page).getByRole('img', { name: /^Stacked bar chart of chats per day \(UTC\).*: 10 chats, most on / });
    await chart.waitFor();
    expect(await section(page).getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');

    expect(await bars(page).evaluateAll((groups) => groups.map((group) => (group as unknown as { dataset: { date: string } }).dataset.date))).toEqual(stats.days.map((day) => day.date));
    expect(await numbers(bars(page), 'data-total')).toEqual(stats.days.map((day) => day.assigned + day.unassigned));

    // Every segment: the count of its rule that day, and the same height per chat throughout.
    const pixelsPerChat: number[] = [];
    for (const day of stats.days) {
      const drawn = await bar(page, day.date).locator('rect').evaluateAll((rects) =>
        rects.map((rect) => {
          const attribute = (name: string) => (rect as unknown as { getAttribute(name: string): string }).getAttribute(name);
          return { segment: attribute('data-segment'), count: Number(attribute('data-count')), height: Number(attribute('height')) };
        }),
      );
      const expected = SEGMENTS.filter((segment) => countOf(day, segment) > 0);
      expect(drawn.map(({ segment, count }) => [segment, count])).toEqual(expected.map((segment) => [segment, countOf(day, segment)]));
      for (const { count, height } of drawn) pixelsPerChat.push(height / count);
    }
    expect(pixelsPerChat.length).toBeGreaterThanOrEqual(6);
    for (const ratio of pixelsPerChat) expect(ratio).toBeCloseTo(pixelsPerChat[0]!, 1);
    // Four chats three days ago stand twice as high as yesterday's two.
    const barHeight = async (date: string) =>
      (await numbers(bar(page, date).locator('rect'), 'height')).reduce((sum, height) => sum + height, 0);
    expect((await barHeight(dayOf(3))) / (await barHeight(dayOf(1)))).toBeCloseTo(2, 1);

    const used = SEGMENTS.filter((segment) => stats.days.some((day) => countOf(day, segment) > 0));
    expect(used).toEqual(expect.arrayContaining(['queue', 'random', 'default', 'visitor', 'unassigned']));
    expect(await section(page).getByRole('list', { name: 'Colours of the chats chart' }).getByRole('listitem').allTextContents()).toEqual(used.map((segment) => LABELS[segment]));
  });

  it('draws the p50 and p90 waits on a y axis in seconds, a point per day with assignments', async () => {
    const wait = section(page).getByRole('img', { name: /^Line chart of the wait for an operator per day \(UTC\), in seconds: .*90th percentile \(p90\) at most 90 s, on 3 days/ });
    await wait.waitFor();
    const waited = stats.days.filter((day) => day.waitSeconds !== null);
    expect(waited.map((day) => day.date)).toEqual([3, 2, 1].map(dayOf));
    for (const series of ['p50', 'p90'] as const) {
      const points = wait.locator(`[data-series="${series}"]`);
      expect(await points.evaluateAll((nodes) => nodes.map((node) => (node as unknown as { dataset: { date: string } }).dataset.date))).toEqual(waited.map((day) => day.date));
      expect(await numbers(points, 'data-seconds')).toEqual(waited.map((day) => day.waitSeconds![series]));
    }
    // The higher wait is drawn higher up (a smaller y), and the axis is labelled in seconds.
    const p90 = await numbers(wait.locator('[data-series="p90"]'), 'y');
    expect(p90[1]).toBeLessThan(p90[2]!);
    expect(p90[2]).toBeLessThan(p90[0]!);
    expect(await wait.locator('text').allTextContents()).toEqual(expect.arrayContaining(['0 s', '100 s']));
    expect(await section(page).getByRole('list', { name: 'Lines of the wait chart' }).getByRole('listitem').allTextContents()).toEqual(['Median wait (p50)', '90th percentile (p90)']);
  });

  it('lists the same numbers as the API in a table of the days, and axe finds nothing serious', async () => {
    await section(page).getByText('The numbers by day').click();
    const table = section(page).getByRole('table', { name: 'Chats and waits per day (UTC)' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...(tr as unknown as { cells: Iterable<{ textContent: string }> }).cells].map((cell) => cell.textContent)));
    const byRule = (day: DayStats) =>
      ASSIGNMENT_METHODS.filter((method) => day.byMethod[method] > 0)
        .map((method) => `${LABELS[method]} ${day.byMethod[method]}`)
        .join(' · ') || '—';
    expect(rows).toEqual(
      stats.days.map((day) => [
        day.date,
        String(day.assigned),
        byRule(day),
        String(day.unassigned),
        String(day.missed),
        day.waitSeconds ? seconds(day.waitSeconds.p50) : '—',
        day.waitSeconds ? seconds(day.waitSeconds.p90) : '—',
      ]),
    );
    expect(await section(page).locator('#stats-summary').textContent()).toBe(
      `Last 7 days: 9 chats assigned, 1 unassigned, 0 missed; wait for an operator: median ${seconds(stats.waitSeconds!.p50)} s, 90th percentile ${seconds(stats.waitSeconds!.p90)} s.`,
    );
    const { serious } = await axeCheck(page);
    expect(serious).toEqual([]);

    // The picture: the table closed again, and the status line (sticky, over the card once scrolled) out of the way.
    await section(page).getByText('The numbers by day').click();
    await page.locator('main > .messages').evaluate((messages) => void ((messages as unknown as { hidden: boolean }).hidden = true));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await section(page).screenshot({ path: join(SCREENSHOTS, 'admin-stats.png') });
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(dirname(DOC_SCREENSHOT), { recursive: true });
      await section(page).screenshot({ path: DOC_SCREENSHOT });
    }
    await page.locator('main > .messages').evaluate((messages) => void ((messages as unknown as { hidden: boolean }).hidden = false));
  });

  it('refetches the stats for another period and redraws a bar per day of it', async () => {
    const from = new Date(todayMs - 29 * DAY).toISOString().slice(0, 10);
    const asked = page.waitForRequest((request) => new URL(request.url()).pathname.endsWith('/stats') && new URL(request.url()).searchParams.get('from') === from);
    await section(page).getByRole('button', { name: 'Last 30 days' }).click();
    await asked;
    await page.locator('#status').getByText('Statistics of the last 30 days shown.').waitFor();
    expect(await bars(page).count()).toBe(30);
    expect(await section(page).getByRole('button', { name: 'Last 30 days' }).getAttribute('aria-pressed')).toBe('true');
    expect(await section(page).getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('false');
    expect(await numbers(bars(page), 'data-total')).toEqual([...Array(26).fill(0), 4, 4, 2, 0]);
    const { serious } = await axeCheck(page);
    expect(serious).toEqual([]);
  });

  it('fits the charts to a phone, redrawn at its width', async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    const chart = section(page).locator('#chats-chart svg');
    await expect.poll(async () => Number((await chart.getAttribute('viewBox'))!.split(' ')[2])).toBeLessThanOrEqual(375);
    for (const box of [await section(page).boundingBox(), await chart.boundingBox(), await section(page).locator('#wait-chart svg').boundingBox()]) {
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    }
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // The table of the days too, open: each day a small card of its numbers, nothing past the screen's edge.
    await section(page).getByText('The numbers by day').click();
    const rights = await section(page).locator('*').evaluateAll((nodes) => nodes.map((node) => (node as unknown as { getBoundingClientRect(): { right: number } }).getBoundingClientRect().right));
    expect(Math.max(...rights)).toBeLessThanOrEqual(375);
    await page.locator('main > .messages').evaluate((messages) => void ((messages as unknown as { hidden: boolean }).hidden = true));
    await section(page).screenshot({ path: join(SCREENSHOTS, 'admin-stats-phone.png') });
    expect(refused).toEqual([]);
  });
});
