import type { Deadline } from '../deadlines/deadline.js';
import type { Settings } from '../domain/model.js';
import type { EngineDeps } from './deps.js';

/** Operators a settings update gives the new heartbeat timeout itself: a constant, whatever the site's size. */
export const RETIME_IN_REQUEST = 25;
/** Operators per deadline after that. */
export const RETIME_PER_DEADLINE = 200;

/**
 * A change of the heartbeat timeout reaches the operators' copies (their stale time) a page at a
 * time: the request does the first page, each page schedules the next as a deadline. Meanwhile
 * claims already use the new timeout (their condition reads the settings), and a liveness check
 * checks the site's current timeout before setting anyone offline.
 */
export async function applyHeartbeatTimeout(deps: EngineDeps, settings: Settings, limit = RETIME_IN_REQUEST, afterOperatorId?: string) {
  const { updated, next } = await deps.store.retimeOperators(settings.siteId, settings.heartbeatTimeoutSeconds * 1000, limit, afterOperatorId);
  if (next) {
    const nowMs = deps.clock();
    await deps.deadlines.schedule({ kind: 'heartbeat-timeout', siteId: settings.siteId, afterOperatorId: next, dueAtMs: nowMs }, nowMs);
  }
  return { updated, more: Boolean(next) };
}

/** The next page, from a deadline: with the site's timeout as it is now (a later change wins). */
export async function continueHeartbeatTimeout(deps: EngineDeps, deadline: Extract<Deadline, { kind: 'heartbeat-timeout' }>) {
  const site = await deps.store.getSite(deadline.siteId);
  if (!site) return { updated: 0, more: false };
  return applyHeartbeatTimeout(deps, site.settings, RETIME_PER_DEADLINE, deadline.afterOperatorId);
}
