import * as z from 'zod';
import { createSiteInput } from '../domain/schemas.js';
import { createSite } from '../engine/sites.js';
import { created, defineRoute } from '../http/route.js';

export const createSiteRoute = defineRoute({
  name: 'create-site',
  method: 'POST',
  path: '/v1/sites',
  role: 'platform',
  summary: 'Create a site',
  request: { body: createSiteInput },
  responses: { 201: z.strictObject({ siteId: z.string(), adminToken: z.string() }) },
  grants: { table: ['GetItem', 'PutItem'] },
  async handle({ body, rt }) {
    const { siteId, adminToken } = await createSite(rt.deps, body, await rt.platformTokenHash());
    return created({ siteId, adminToken });
  },
});
