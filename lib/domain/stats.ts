import { ASSIGNMENT_METHODS, type AssignedBy } from './distribution/index.js';
import type { Chat } from './model.js';
import { DAY_MS, MAX_PERIOD_DAYS } from './schemas.js';
import {
  countersOf,
  mergeCounts,
  methodCounts,
  NO_OPERATOR,
  splitRowKey,
  waitPercentiles,
  type CounterRows,
  type Counts,
} from './stat-counters.js';

export interface OperatorStats {
  id: string;
  assigned: number;
  byMethod: Record<AssignedBy, number>;
  /** Chats of the period taken back from this operator unanswered. */
  missed: number;
}

export type WaitSeconds = { p50: number; p90: number; max: number } | null;

export interface DayStats {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  assigned: number;
  unassigned: number;
  missed: number;
  byMethod: Record<AssignedBy, number>;
  waitSeconds: WaitSeconds;
}

export interface SiteStats {
  operators: OperatorStats[];
  unassigned: number;
  /** Take-backs of chats of the period (a chat missed by two operators counts twice). */
  missed: number;
  /** Creation to (latest) assignment of the period's assigned chats, in seconds (from log-scale buckets); null when none. */
  waitSeconds: WaitSeconds;
  days: DayStats[];
}

const emptyOperator = (id: string): OperatorStats => ({
  id,
  assigned: 0,
  byMethod: Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, 0])) as Record<AssignedBy, number>,
  missed: 0,
});

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The UTC days from `fromMs` to `toMs` (both inclusive), at most the last MAX_PERIOD_DAYS of them. */
export function reportDays(fromMs: number, toMs: number): string[] {
  const last = Date.parse(utcDay(toMs));
  const first = Math.max(Date.parse(utcDay(fromMs)), last - (MAX_PERIOD_DAYS - 1) * DAY_MS);
  const days: string[] = [];
  for (let day = first; day <= last; day += DAY_MS) days.push(utcDay(day));
  return days;
}

/**
 * The report from the counters of the period: by operator and by the rule that assigned them,
 * with misses, the wait for an operator and a line per UTC day of `days`. Every current
 * operator is listed (with zeros if it had none); deleted ones appear while they have counts in
 * the period.
 */
export function statsFromCounters(rows: CounterRows, operatorIds: readonly string[], days: readonly string[] = []): SiteStats {
  const byOperator = new Map(operatorIds.map((id) => [id, emptyOperator(id)]));
  const byDay = new Map(days.map((date) => [date, {} as Counts]));
  const all: Counts = {};
  for (const [key, counts] of rows) {
    const { day, operatorId } = splitRowKey(key);
    mergeCounts(all, counts);
    const dayCounts = byDay.get(day);
    if (dayCounts) mergeCounts(dayCounts, counts);
    if (operatorId === NO_OPERATOR) continue;
    const stats = byOperator.get(operatorId) ?? emptyOperator(operatorId);
    byOperator.set(operatorId, stats);
    stats.assigned += counts.assigned ?? 0;
    stats.missed += counts.missed ?? 0;
    const methods = methodCounts(counts);
    for (const method of ASSIGNMENT_METHODS) stats.byMethod[method] += methods[method];
  }
  return {
    operators: [...byOperator.values()].filter((stats) => operatorIds.includes(stats.id) || stats.assigned > 0 || stats.missed > 0).sort((a, b) => a.id.localeCompare(b.id)),
    unassigned: all.unassigned ?? 0,
    missed: all.missed ?? 0,
    waitSeconds: waitPercentiles(all),
    days: [...byDay].map(([date, counts]) => ({
      date,
      assigned: counts.assigned ?? 0,
      unassigned: counts.unassigned ?? 0,
      missed: counts.missed ?? 0,
      byMethod: methodCounts(counts),
      waitSeconds: waitPercentiles(counts),
    })),
  };
}

/** The same report from the chats themselves (the counters must always agree with it). */
export function chatStats(chats: readonly Chat[], operatorIds: readonly string[], days: readonly string[] = []): SiteStats {
  return statsFromCounters(countersOf(chats), operatorIds, days);
}
