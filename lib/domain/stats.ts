import { ASSIGNMENT_METHODS, type AssignedBy } from './distribution/index.js';
import type { Chat } from './model.js';

export interface OperatorStats {
  id: string;
  assigned: number;
  byMethod: Record<AssignedBy, number>;
}

export interface SiteStats {
  operators: OperatorStats[];
  unassigned: number;
}

const emptyStats = (id: string): OperatorStats => ({
  id,
  assigned: 0,
  byMethod: Object.fromEntries(ASSIGNMENT_METHODS.map((method) => [method, 0])) as Record<AssignedBy, number>,
});

/**
 * Counts of chats created in the period, by operator and by the rule that assigned them. Every
 * current operator is listed (with zeros if it had none); deleted ones appear while they have
 * chats in the period. A chat counts for its operator even after it was closed.
 */
export function chatStats(chats: readonly Chat[], operatorIds: readonly string[]): SiteStats {
  const byOperator = new Map(operatorIds.map((id) => [id, emptyStats(id)]));
  let unassigned = 0;
  for (const chat of chats) {
    // Still waiting: neither given to anyone nor left for follow-up yet.
    if (chat.status === 'waiting') continue;
    if (!chat.operatorId || !chat.assignedBy) {
      unassigned += 1;
      continue;
    }
    const stats = byOperator.get(chat.operatorId) ?? emptyStats(chat.operatorId);
    stats.assigned += 1;
    stats.byMethod[chat.assignedBy] += 1;
    byOperator.set(chat.operatorId, stats);
  }
  return { operators: [...byOperator.values()].sort((a, b) => a.id.localeCompare(b.id)), unassigned };
}
