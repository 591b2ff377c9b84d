import { ASSIGNMENT_METHODS, type AssignedBy } from './distribution/index.js';
import type { Chat } from './model.js';
import { DAY_MS, MAX_PERIOD_DAYS } from './schemas.js';

export interface OperatorStats {
  id: string;
  assigned: number;
  byMethod: Record<AssignedBy, number>;
  /** Chats of the period taken back from this operator unanswered. */
  missed: number;
}

export interface DayStats {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  assigned: number;
  unassigned: number;
  missed: number;
}

export interface SiteStats {
  operators: OperatorStats[];
  unassigned: number;
  /** Take-backs of chats of the period (a chat missed by two operators counts twice). */
  missed: number;
  /** Creation to (latest) assignment of the period's assigned chats, in seconds; null when none. */
  waitSeconds: { p50: number; p90: number; max: number } | null;
  days: DayStats[];
}

const emptyStats = (id: string): OperatorStats => ({
  id,
  assigned: 0,
  byMethod: Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, 0])) as Record<AssignedBy, number>,
  missed: 0,
});

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The UTC days from `fromMs` to `toMs` (both inclusive), at most the last MAX_PERIOD_DAYS of them. */
export function reportDays(fromMs: number, toMs: number): string[] {
  const last = Date.parse(utcDay(toMs));
  const first = Math.max(Date.parse(utcDay(fromMs)), last - (MAX_PERIOD_DAYS - 1) * DAY_MS);
  const days: string[] = [];
  for (let day = first; day <= last; day += DAY_MS) days.push(utcDay(day));
  return days;
}

/** The nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Counts of chats created in the period, by operator and by the rule that assigned them, with
 * their misses, their wait for an operator and a line per UTC day of `days`. Every current
 * operator is listed (with zeros if it had none); deleted ones appear while they have chats in
 * the period. A chat counts for its operator even after it was closed; one still waiting counts
 * as neither assigned nor unassigned.
 */
export function chatStats(chats: readonly Chat[], operatorIds: readonly string[], days: readonly string[] = []): SiteStats {
  const byOperator = new Map(operatorIds.map((id) => [id, emptyStats(id)]));
  const byDay = new Map(days.map((date) => [date, { date, assigned: 0, unassigned: 0, missed: 0 }]));
  const operatorStats = (id: string) => {
    const stats = byOperator.get(id) ?? emptyStats(id);
    byOperator.set(id, stats);
    return stats;
  };
  let unassigned = 0;
  let missed = 0;
  const waits: number[] = [];
  for (const chat of chats) {
    const day = byDay.get(chat.createdAt.slice(0, 10));
    missed += chat.missedBy.length;
    if (day) day.missed += chat.missedBy.length;
    for (const id of chat.missedBy) operatorStats(id).missed += 1;
    if (chat.status === 'waiting') continue;
    if (!chat.operatorId || !chat.assignedBy) {
      unassigned += 1;
      if (day) day.unassigned += 1;
      continue;
    }
    const stats = operatorStats(chat.operatorId);
    stats.assigned += 1;
    stats.byMethod[chat.assignedBy] += 1;
    if (day) day.assigned += 1;
    if (chat.assignedAt) waits.push(Math.max(0, Date.parse(chat.assignedAt) - Date.parse(chat.createdAt)) / 1000);
  }
  waits.sort((a, b) => a - b);
  return {
    operators: [...byOperator.values()].sort((a, b) => a.id.localeCompare(b.id)),
    unassigned,
    missed,
    waitSeconds: waits.length ? { p50: percentile(waits, 50), p90: percentile(waits, 90), max: waits.at(-1)! } : null,
    days: [...byDay.values()],
  };
}
