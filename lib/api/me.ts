import type { Principal } from '../domain/auth.js';
import { publicOperator } from '../domain/model.js';
import { requireOperator } from '../engine/operators.js';
import { ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';

/** Whose token this is; for an operator, its own operator object too (the console shows its status). */
export async function whoAmIReply(rt: Runtime, principal: Principal): Promise<Reply> {
  if (principal.role !== 'operator') return ok(principal);
  const { operator } = await requireOperator(rt.deps, principal.siteId, principal.operatorId);
  return ok({ ...principal, operator: publicOperator(operator) });
}
