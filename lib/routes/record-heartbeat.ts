import { operatorPath } from '../domain/schemas.js';
import { recordHeartbeat } from '../engine/operators.js';
import { defineRoute, noContent } from '../http/route.js';

export const recordHeartbeatRoute = defineRoute({
  name: 'record-heartbeat',
  method: 'POST',
  path: '/v1/sites/{siteId}/operators/{operatorId}/heartbeat',
  role: 'operator',
  summary: 'Heartbeat',
  request: { path: operatorPath },
  responses: { 204: null },
  grants: { table: ['GetItem', 'UpdateItem'] },
  async handle({ path, rt }) {
    await recordHeartbeat(rt.deps, path.siteId, path.operatorId);
    return noContent();
  },
});
