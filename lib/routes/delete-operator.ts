import { operatorPath } from '../domain/schemas.js';
import { deleteOperator } from '../engine/operators.js';
import { defineRoute, noContent } from '../http/route.js';

export const deleteOperatorRoute = defineRoute({
  name: 'delete-operator',
  method: 'DELETE',
  path: '/v1/sites/{siteId}/operators/{operatorId}',
  role: 'admin',
  summary: 'Remove an operator',
  request: { path: operatorPath },
  responses: { 204: null },
  // An online operator first gives back its random-mode slot: the last slot's operator moves into it (PutItem).
  grants: { table: ['GetItem', 'DeleteItem', 'UpdateItem', 'PutItem'] },
  async handle({ path, rt }) {
    await deleteOperator(rt.deps, path.siteId, path.operatorId);
    return noContent();
  },
});
