import * as z from 'zod';
import { operatorPath } from '../domain/schemas.js';
import { rotateOperatorToken } from '../engine/tokens.js';
import { defineRoute, ok } from '../http/route.js';

export const rotateOperatorTokenRoute = defineRoute({
  name: 'rotate-operator-token',
  method: 'POST',
  path: '/v1/sites/{siteId}/operators/{operatorId}/token',
  role: 'admin',
  summary: 'A new token for the operator; the old one stops working at once',
  request: { path: operatorPath },
  responses: { 200: z.strictObject({ operatorToken: z.string() }) },
  grants: { table: ['GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'] },
  handle: async ({ path, rt }) => ok({ operatorToken: await rotateOperatorToken(rt.deps, path.siteId, path.operatorId) }),
});
