import { sitePath } from '../domain/schemas.js';
import { requireSite } from '../engine/sites.js';
import { settingsObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const getSettings = defineRoute({
  name: 'get-settings',
  method: 'GET',
  path: '/v1/sites/{siteId}/settings',
  role: 'admin',
  summary: "Read the site's settings",
  request: { path: sitePath },
  responses: { 200: settingsObject },
  grants: { table: ['GetItem'] },
  handle: async ({ path, rt }) => ok((await requireSite(rt.deps, path.siteId)).settings),
});
