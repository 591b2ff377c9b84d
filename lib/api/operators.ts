import { publicOperator, type OperatorStatus } from '../domain/model.js';
import type { OperatorInput, StatsQuery } from '../domain/schemas.js';
import { listOpenChats } from '../engine/chats.js';
import {
  deleteOperator,
  listOperators,
  recordHeartbeat,
  setOperatorStatus,
  upsertOperator,
} from '../engine/operators.js';
import { siteStats } from '../engine/stats.js';
import { created, noContent, ok, type Reply } from '../http/api-event.js';
import type { Runtime } from '../runtime.js';

interface OperatorPath {
  siteId: string;
  operatorId: string;
}

export async function putOperatorReply(rt: Runtime, path: OperatorPath, input: OperatorInput): Promise<Reply> {
  const { operator, operatorToken } = await upsertOperator(rt.deps, path.siteId, path.operatorId, input);
  return operatorToken
    ? created({ operator: publicOperator(operator), operatorToken })
    : ok({ operator: publicOperator(operator) });
}

export async function deleteOperatorReply(rt: Runtime, path: OperatorPath): Promise<Reply> {
  await deleteOperator(rt.deps, path.siteId, path.operatorId);
  return noContent();
}

export async function listOperatorsReply(rt: Runtime, siteId: string): Promise<Reply> {
  return ok({ operators: (await listOperators(rt.deps, siteId)).map(publicOperator) });
}

export async function setStatusReply(rt: Runtime, path: OperatorPath, status: OperatorStatus): Promise<Reply> {
  return ok({ operator: publicOperator(await setOperatorStatus(rt.deps, path.siteId, path.operatorId, status)) });
}

export async function heartbeatReply(rt: Runtime, path: OperatorPath): Promise<Reply> {
  await recordHeartbeat(rt.deps, path.siteId, path.operatorId);
  return noContent();
}

export async function operatorChatsReply(rt: Runtime, path: OperatorPath): Promise<Reply> {
  return ok({ chats: await listOpenChats(rt.deps, path.siteId, path.operatorId) });
}

export async function statsReply(rt: Runtime, siteId: string, query: StatsQuery): Promise<Reply> {
  return ok(await siteStats(rt.deps, siteId, query));
}
