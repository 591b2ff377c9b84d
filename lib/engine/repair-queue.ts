import type { WaitingEntry } from '../store/port.js';
import { dispatchWaiting } from './dispatch.js';
import { fallBackOverdue } from './fallback.js';
import type { EngineDeps } from './deps.js';

export interface RepairResult {
  sites: number;
  expired: number;
  /** Group chats whose fallback had passed, now open to anyone. */
  fellBack: number;
  assigned: number;
  /** Sites the pass could not finish (the next pass tries again). */
  failedSites: string[];
}

/**
 * The periodic pass over every site with waiting chats (found without a scan): chats that waited
 * longer than their site's `maxWaitSeconds` become unassigned, group chats past their fallback
 * open to anyone, and the rest are dispatched, so
 * that a dispatch that failed midway, or an event that was lost, strands nothing for more than
 * a minute. Safe to run twice or concurrently with the dispatcher.
 */
export async function repairQueues(deps: EngineDeps, onSiteError?: (siteId: string, error: unknown) => void): Promise<RepairResult> {
  const bySite = new Map<string, WaitingEntry[]>();
  for (const entry of await deps.store.listAllWaiting()) {
    bySite.set(entry.siteId, [...(bySite.get(entry.siteId) ?? []), entry]);
  }
  const result: RepairResult = { sites: bySite.size, expired: 0, fellBack: 0, assigned: 0, failedSites: [] };
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
