import { invalidRequest } from '../domain/errors.js';
import { timeOrderedIdFloor } from '../domain/ids.js';
import { DAY_MS, MAX_PERIOD_DAYS, periodDays, type StatsQuery } from '../domain/schemas.js';
import { countersOf, mergeCounts, splitRowKey, type CounterRows } from '../domain/stat-counters.js';
import { reportDays, statsFromCounters, utcDay } from '../domain/stats.js';
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

/**
 * The counts of the period. Whole UTC days come from the counters (one Query for the period,
 * whatever the number of chats). A period that starts or ends inside a day takes that part of
 * the day from its chats (a key range of the day, at most); a period ending now needs none,
 * since no chat is younger.
 */
async function periodCounters(deps: EngineDeps, siteId: string, period: { fromMs: number; toMs: number }, nowMs: number): Promise<CounterRows> {
  const fromDayMs = dayStart(period.fromMs);
  const toDayMs = dayStart(period.toMs);
  const startsInside = period.fromMs !== fromDayMs;
  const endsInside = period.toMs < nowMs && period.toMs !== toDayMs + DAY_MS - 1;
  const chatsBetween = async (fromMs: number, toMs: number) =>
    // The floor of the next millisecond after `toMs` keeps chats created at `toMs` itself.
    countersOf(await deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(fromMs), toId: timeOrderedIdFloor(toMs + 1) }));
  if (fromDayMs === toDayMs && (startsInside || endsInside)) return chatsBetween(period.fromMs, period.toMs);
  const firstWhole = startsInside ? fromDayMs + DAY_MS : fromDayMs;
  const lastWhole = endsInside ? toDayMs - DAY_MS : toDayMs;
  const parts = await Promise.all([
    startsInside ? chatsBetween(period.fromMs, fromDayMs + DAY_MS - 1) : new Map(),
    firstWhole <= lastWhole ? deps.store.readStatCounters(siteId, utcDay(firstWhole), utcDay(lastWhole)) : new Map(),
    endsInside ? chatsBetween(toDayMs, period.toMs) : new Map(),
  ]);
  const rows: CounterRows = new Map();
  for (const part of parts) {
    for (const [key, counts] of part as CounterRows) {
      const into = rows.get(key) ?? {};
      mergeCounts(into, counts);
      rows.set(key, into);
    }
  }
  return rows;
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
  await requireSite(deps, siteId);
  const nowMs = deps.clock();
  const period = reportPeriod(query, nowMs);
  const [rows, operators, waiting] = await Promise.all([
    period ? periodCounters(deps, siteId, period, nowMs) : new Map(),
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
