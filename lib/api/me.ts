import type { Principal } from '../domain/auth.js';
import { publicOperator } from '../domain/model.js';
import { requireOperator } from '../engine/operators.js';
import { requireSite } from '../engine/sites.js';
import { ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';

/**
 * Whose token this is. For an operator, also its own operator object (the console shows the
 * real status, which the sweep may have changed) and the site's heartbeat timeout (the console
 * heartbeats well within it).
 */
export async function whoAmIReply(rt: Runtime, principal: Principal): Promise<Reply> {
  if (principal.role !== 'operator') return ok(principal);
  const [{ operator }, site] = await Promise.all([
    requireOperator(rt.deps, principal.siteId, principal.operatorId),
    requireSite(rt.deps, principal.siteId),
  ]);
  return ok({ ...principal, operator: publicOperator(operator), heartbeatTimeoutSeconds: site.settings.heartbeatTimeoutSeconds });
}
