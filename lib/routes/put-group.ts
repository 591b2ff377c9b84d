import * as z from 'zod';
import { groupInput, groupPath } from '../domain/schemas.js';
import { publicGroup, putGroup } from '../engine/groups.js';
import { groupObject } from '../http/response-schemas.js';
import { created, defineRoute, ok } from '../http/route.js';

export const putGroupRoute = defineRoute({
  name: 'put-group',
  method: 'PUT',
  path: '/v1/sites/{siteId}/groups/{groupId}',
  role: 'admin',
  summary: 'Create or update a group (department)',
  request: { path: groupPath, body: groupInput },
  responses: { 201: z.strictObject({ group: groupObject }), 200: z.strictObject({ group: groupObject }) },
  // The settings (copied to the group's partition head), the group: a Put, or an update when it exists.
  grants: { table: ['GetItem', 'PutItem', 'UpdateItem'] },
  async handle({ path, body, rt }) {
    const { group, created: isNew } = await putGroup(rt.deps, path.siteId, path.groupId, body);
    return isNew ? created({ group: publicGroup(group) }) : ok({ group: publicGroup(group) });
  },
});
