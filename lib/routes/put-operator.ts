import * as z from 'zod';
import { publicOperator } from '../domain/model.js';
import { operatorInput, operatorPath } from '../domain/schemas.js';
import { upsertOperator } from '../engine/operators.js';
import { operatorObject } from '../http/response-schemas.js';
import { created, defineRoute, ok } from '../http/route.js';

export const putOperator = defineRoute({
  name: 'put-operator',
  method: 'PUT',
  path: '/v1/sites/{siteId}/operators/{operatorId}',
  role: 'admin',
  summary: 'Create or update an operator',
  request: { path: operatorPath, body: operatorInput },
  responses: {
    201: z.strictObject({ operator: operatorObject, operatorToken: z.string() }),
    200: z.strictObject({ operator: operatorObject }),
  },
  // The operator, its token and its group copies; groups it joins are checked to exist in the same transaction.
  grants: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'] },
  async handle({ path, body, rt }) {
    const { operator, operatorToken } = await upsertOperator(rt.deps, path.siteId, path.operatorId, body);
    return operatorToken
      ? created({ operator: publicOperator(operator), operatorToken })
      : ok({ operator: publicOperator(operator) });
  },
});
