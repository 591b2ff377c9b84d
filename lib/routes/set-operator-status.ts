import * as z from 'zod';
import { publicOperator } from '../domain/model.js';
import { operatorPath, statusInput } from '../domain/schemas.js';
import { setOperatorStatus } from '../engine/operators.js';
import { operatorObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const setOperatorStatusRoute = defineRoute({
  name: 'set-operator-status',
  method: 'PUT',
  path: '/v1/sites/{siteId}/operators/{operatorId}/status',
  role: 'operator',
  summary: 'Set own status (counts as a heartbeat)',
  request: { path: operatorPath, body: statusInput },
  responses: { 200: z.strictObject({ operator: operatorObject }) },
  // Coming online reads the head of the queue index for the turn to take; online or away sends the first liveness check.
  // Its random-mode slot follows (a transaction: the count on the settings item, the slot items, the operators).
  grants: { table: ['GetItem', 'Query', 'UpdateItem', 'PutItem', 'DeleteItem'], queries: ['queue'], deadlines: true },
  handle: async ({ path, body, rt }) =>
    ok({ operator: publicOperator(await setOperatorStatus(rt.deps, path.siteId, path.operatorId, body.status)) }),
});
