import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { listGroups, publicGroup } from '../engine/groups.js';
import { groupObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listGroupsRoute = defineRoute({
  name: 'list-groups',
  method: 'GET',
  path: '/v1/sites/{siteId}/groups',
  role: 'admin',
  summary: "List the site's groups (departments)",
  request: { path: sitePath },
  responses: { 200: z.strictObject({ groups: z.array(groupObject) }) },
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, rt }) => ok({ groups: (await listGroups(rt.deps, path.siteId)).map(publicGroup) }),
});
