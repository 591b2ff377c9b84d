import { invalidRequest } from '../domain/errors.js';
import { timeOrderedIdFloor } from '../domain/ids.js';
import { MAX_PERIOD_DAYS, periodDays, type StatsQuery } from '../domain/schemas.js';
import type { Chat } from '../domain/model.js';
import { chatStats, reportDays, type SiteStats } from '../domain/stats.js';
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

/**
 * The UTC days a report lists: those of the period asked for; without `from`, from the first
 * chat of the period (the site's "all time"), at most the last 366 of them.
 */
function daysOf(query: StatsQuery, period: { fromMs: number; toMs: number } | null, chats: readonly Chat[], nowMs: number): string[] {
  const toMs = query.to?.getTime() ?? nowMs;
  if (query.from) return reportDays(query.from.getTime(), toMs);
  if (!period || chats.length === 0) return [];
  return reportDays(Date.parse(chats[0]!.createdAt), period.toMs);
}

/** Chats are keyed by time-ordered ids, so a period is a key range. */
export async function siteStats(deps: EngineDeps, siteId: string, query: StatsQuery) {
  await requireSite(deps, siteId);
  const nowMs = deps.clock();
  const period = reportPeriod(query, nowMs);
  const [chats, operators, waiting] = await Promise.all([
    period
      ? // The floor of the next millisecond after `to` keeps chats created at `to` itself.
        deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(period.fromMs), toId: timeOrderedIdFloor(period.toMs + 1) })
      : [],
    deps.store.listOperators(siteId),
    deps.store.countWaiting(siteId, MAX_WAITING_COUNTED),
  ]);
  const stats: SiteStats = chatStats(
    chats,
    operators.map((operator) => operator.id),
    daysOf(query, period, chats, nowMs),
  );
  return { ...stats, waiting };
}
