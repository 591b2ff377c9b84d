import type { WaitingEntry } from '../store/port.js';
import { dispatchWaiting } from './dispatch.js';
import { fallBackOverdue } from './fallback.js';
import { takeBackUnanswered } from './reassign.js';
import type { EngineDeps } from './deps.js';

/** How late a chat's answer deadline must be before the repair acts on it (its own message comes first). */
const ANSWER_GRACE_MS = 5_000;

export interface RepairResult {
  sites: number;
  /** Chats the pass found waiting, on all sites. */
  waiting: number;
  expired: number;
  /** Group chats whose fallback had passed, now open to anyone. */
  fellBack: number;
  assigned: number;
  /** Chats past their answer deadline unaccepted (their deadline message lost or failed), now taken back. */
  takenBack: number;
  /** Sites the pass could not finish (the next pass tries again). */
  failedSites: string[];
}

/**
 * The periodic pass: chats past their answer deadline unaccepted are taken back; then, over every
 * site with waiting chats (found without a scan), chats that waited longer than their site's
 * `maxWaitSeconds` become unassigned, group chats past their fallback open to anyone, and the
 * rest are dispatched, so
 * that a dispatch that failed midway, or an event that was lost, strands nothing for more than
 * a minute. Safe to run twice or concurrently with the dispatcher.
 */
export async function repairQueues(deps: EngineDeps, onSiteError?: (siteId: string, error: unknown) => void): Promise<RepairResult> {
  const failedSites = new Set<string>();
  let takenBack = 0;
  // First the chats whose answer deadline passed unanswered (their message lost or failed):
  // taken back, they wait with the others and this pass dispatches them.
  for (const answer of await deps.store.listOverdueAnswers(deps.clock() - ANSWER_GRACE_MS)) {
    try {
      if ((await takeBackUnanswered(deps, { kind: 'answer-timeout', ...answer }, false)).takenBack) takenBack += 1;
    } catch (error) {
      failedSites.add(answer.siteId);
      onSiteError?.(answer.siteId, error);
    }
  }
  const bySite = new Map<string, WaitingEntry[]>();
  for (const entry of await deps.store.listAllWaiting()) {
    bySite.set(entry.siteId, [...(bySite.get(entry.siteId) ?? []), entry]);
  }
  const result: RepairResult = { sites: bySite.size, waiting: [...bySite.values()].reduce((sum, entries) => sum + entries.length, 0), expired: 0, fellBack: 0, assigned: 0, takenBack, failedSites: [...failedSites] };
  for (const [siteId, entries] of bySite) {
    // One site's failure (a conflict, a fault) must not keep the others waiting: it is retried next minute.
    try {
      const site = await deps.store.getSite(siteId);
      const nowMs = deps.clock();
      for (const entry of entries) {
        const overdue = !site || Date.parse(entry.createdAt) + site.settings.maxWaitSeconds * 1000 <= nowMs;
        if (!overdue) continue;
        const record = await deps.store.getChat(siteId, entry.chatId);
        if (record && (await deps.store.expireWaiting(record, nowMs))) result.expired += 1;
      }
      if (!site) continue;
      result.fellBack += await fallBackOverdue(deps, entries);
      result.assigned += (await dispatchWaiting(deps, siteId)).assigned;
    } catch (error) {
      result.failedSites.push(siteId);
      onSiteError?.(siteId, error);
    }
  }
  return result;
}
