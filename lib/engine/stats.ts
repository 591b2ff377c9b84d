import { invalidRequest } from '../domain/errors.js';
import { timeOrderedIdFloor } from '../domain/ids.js';
import { MAX_PERIOD_DAYS, periodDays, type StatsQuery } from '../domain/schemas.js';
import { chatStats, type SiteStats } from '../domain/stats.js';
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

/** Chats are keyed by time-ordered ids, so a period is a key range. */
export async function siteStats(deps: EngineDeps, siteId: string, query: StatsQuery): Promise<SiteStats> {
  await requireSite(deps, siteId);
  const period = reportPeriod(query, deps.clock());
  const [chats, operators] = await Promise.all([
    period
      ? // The floor of the next millisecond after `to` keeps chats created at `to` itself.
        deps.store.listChats(siteId, { fromId: timeOrderedIdFloor(period.fromMs), toId: timeOrderedIdFloor(period.toMs + 1) })
      : [],
    deps.store.listOperators(siteId),
  ]);
  return chatStats(
    chats,
    operators.map((operator) => operator.id),
  );
}
