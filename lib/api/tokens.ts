import { rotateAdminToken, rotateOperatorToken } from '../engine/tokens.js';
import { ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';

export async function rotateOperatorTokenReply(rt: Runtime, path: { siteId: string; operatorId: string }): Promise<Reply> {
  return ok({ operatorToken: await rotateOperatorToken(rt.deps, path.siteId, path.operatorId) });
}

export async function rotateAdminTokenReply(rt: Runtime, siteId: string): Promise<Reply> {
  return ok({ adminToken: await rotateAdminToken(rt.deps, siteId) });
}
