import { invalidRequest, siteNotFound } from '../domain/errors.js';
import { timeOrderedIdFloor } from '../domain/ids.js';
import { DAY_MS, MAX_PERIOD_DAYS, periodDays, type StatsQuery } from '../domain/schemas.js';
import { countersOf, mergeCounts, splitRowKey, type CounterRows } from '../domain/stat-counters.js';
import { reportDays, statsFromCounters, utcDay } from '../domain/stats.js';
import type { SiteRecord } from '../store/port.js';
import type { EngineDeps } from './deps.js';
import { requireSite } from './sites.js';

/**
 * The period a report covers, in epoch ms, both ends inclusive: without `to` it ends now,
 * without `from` it starts with the site (all time). Null when it holds no chat yet (a future
 * period). Both ends given are checked by the query schema; `from` alone is checked here.
 */
export function reportPeriod(query: StatsQuery, nowMs: number): { fromMs: number; toMs: number } | null {
  const fromMs = query.from?.getTime() ?? 0;
  const toMs = query.to?.getTime() ?? nowMs;
  if (query.from && !query.to && fromMs <= nowMs && periodDays(query.from, new Date(nowMs)) > MAX_PERIOD_DAYS) {
    throw invalidRequest(`query.from: the period (until now) may cover at most ${MAX_PERIOD_DAYS} days`);
  }
  if (fromMs > Math.min(toMs, nowMs)) return null;
  return { fromMs, toMs: Math.min(toMs, nowMs) };
}

/** The most waiting chats counted; past it the count says "at least". */
const MAX_WAITING_COUNTED = 100_000;

const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** The counts of the site's chats created from `fromMs` to `toMs` (both inclusive), read from the chats themselves. */
async function chatsBetween(deps: EngineDeps, siteId: string, fromMs: number, toMs: number): Promise<CounterRows> {
  // The floor of the next millisecond after `toMs` keeps chats created at `toMs` itself.
  return countersOf(await deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(fromMs), toId: timeOrderedIdFloor(toMs + 1) }));
}

/**
 * The first day whose every chat the counters hold. A site from before the counters is marked
 * at its first report with the day after: every chat created since the counting code runs is
 * counted, and by the next day no function of an older version still runs. Its days before
 * that are read from their chats (their counts may also have rows, from changes made since:
 * those are left unread).
 */
async function countedFrom(deps: EngineDeps, site: SiteRecord, nowMs: number): Promise<number> {
  const day = site.countedFrom ?? (await deps.store.markCountedFrom(site.settings.siteId, utcDay(dayStart(nowMs) + DAY_MS)));
  if (!day) throw siteNotFound();
  return Date.parse(day);
}

/** Adds each part's rows into one. */
function mergeRows(parts: readonly CounterRows[]): CounterRows {
  const rows: CounterRows = new Map();
  for (const part of parts) {
    for (const [key, counts] of part) {
      const into = rows.get(key) ?? {};
      mergeCounts(into, counts);
      rows.set(key, into);
    }
  }
  return rows;
}

/** The counts of the period: its days before `countedFromMs` from their chats, the rest from the counters. */
async function periodCounters(deps: EngineDeps, siteId: string, period: { fromMs: number; toMs: number }, nowMs: number, countedFromMs: number): Promise<CounterRows> {
  if (period.fromMs >= countedFromMs) return countedCounters(deps, siteId, period, nowMs);
  if (period.toMs < countedFromMs) return chatsBetween(deps, siteId, period.fromMs, period.toMs);
  return mergeRows(
    await Promise.all([
      chatsBetween(deps, siteId, period.fromMs, countedFromMs - 1),
      countedCounters(deps, siteId, { fromMs: countedFromMs, toMs: period.toMs }, nowMs),
    ]),
  );
}

/**
 * The counts of a period the counters hold whole. Whole UTC days come from the counters (one
 * Query for the period, whatever the number of chats). A period that starts or ends inside a day
 * takes that part of the day from its chats (a key range of the day, at most); a period ending
 * now needs none, since no chat is younger.
 */
async function countedCounters(deps: EngineDeps, siteId: string, period: { fromMs: number; toMs: number }, nowMs: number): Promise<CounterRows> {
  const fromDayMs = dayStart(period.fromMs);
  const toDayMs = dayStart(period.toMs);
  const startsInside = period.fromMs !== fromDayMs;
  const endsInside = period.toMs < nowMs && period.toMs !== toDayMs + DAY_MS - 1;
  if (fromDayMs === toDayMs && (startsInside || endsInside)) return chatsBetween(deps, siteId, period.fromMs, period.toMs);
  const firstWhole = startsInside ? fromDayMs + DAY_MS : fromDayMs;
  const lastWhole = endsInside ? toDayMs - DAY_MS : toDayMs;
  return mergeRows(
    await Promise.all([
      startsInside ? chatsBetween(deps, siteId, period.fromMs, fromDayMs + DAY_MS - 1) : new Map(),
      firstWhole <= lastWhole ? deps.store.readStatCounters(siteId, utcDay(firstWhole), utcDay(lastWhole)) : new Map(),
      endsInside ? chatsBetween(deps, siteId, toDayMs, period.toMs) : new Map(),
    ]),
  );
}

/**
 * The UTC days a report lists: those of the period asked for; without `from`, from the first
 * day with counts (the site's "all time"), at most the last 366 of them.
 */
function daysOf(query: StatsQuery, rows: CounterRows, nowMs: number): string[] {
  const toMs = query.to?.getTime() ?? nowMs;
  if (query.from) return reportDays(query.from.getTime(), toMs);
  const first = [...rows.keys()].map((key) => splitRowKey(key).day).sort()[0];
  return first ? reportDays(Date.parse(first), Math.min(toMs, nowMs)) : [];
}

/** The report of a period, from the statistics' counters; and how many chats wait now. */
export async function siteStats(deps: EngineDeps, siteId: string, query: StatsQuery) {
  const site = await requireSite(deps, siteId);
  const nowMs = deps.clock();
  const period = reportPeriod(query, nowMs);
  const [rows, operators, waiting] = await Promise.all([
    period ? periodCounters(deps, siteId, period, nowMs, await countedFrom(deps, site, nowMs)) : new Map(),
    deps.store.listOperators(siteId),
    deps.store.countWaiting(siteId, MAX_WAITING_COUNTED),
  ]);
  const stats = statsFromCounters(
    rows,
    operators.map((operator) => operator.id),
    daysOf(query, rows, nowMs),
  );
  return { ...stats, waiting };
}
