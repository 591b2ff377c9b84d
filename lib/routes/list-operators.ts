import * as z from 'zod';
import { publicOperator } from '../domain/model.js';
import { sitePath } from '../domain/schemas.js';
import { listOperators } from '../engine/operators.js';
import { operatorObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listOperatorsRoute = defineRoute({
  name: 'list-operators',
  method: 'GET',
  path: '/v1/sites/{siteId}/operators',
  role: 'admin',
  summary: "List the site's operators",
  request: { path: sitePath },
  responses: { 200: z.strictObject({ operators: z.array(operatorObject) }) },
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, rt }) => ok({ operators: (await listOperators(rt.deps, path.siteId)).map(publicOperator) }),
});
