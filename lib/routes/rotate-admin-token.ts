import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { rotateAdminToken } from '../engine/tokens.js';
import { defineRoute, ok } from '../http/route.js';

export const rotateAdminTokenRoute = defineRoute({
  name: 'rotate-admin-token',
  method: 'POST',
  path: '/v1/sites/{siteId}/admin-token',
  role: 'admin-or-platform',
  summary: "A new admin token for the site (the admin's or the platform's call); the old one stops working at once",
  request: { path: sitePath },
  responses: { 200: z.strictObject({ adminToken: z.string() }) },
  grants: { table: ['GetItem', 'UpdateItem', 'DeleteItem', 'PutItem'] },
  handle: async ({ path, rt }) => ok({ adminToken: await rotateAdminToken(rt.deps, path.siteId) }),
});
