import * as z from 'zod';
import { sitePath, statsQuery } from '../domain/schemas.js';
import { siteStats } from '../engine/stats.js';
import { methodCountsSchema } from '../domain/distribution/schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const getStats = defineRoute({
  name: 'get-stats',
  method: 'GET',
  path: '/v1/sites/{siteId}/stats',
  role: 'admin',
  summary: 'Chats created in a period, by operator and assignment rule',
  request: { path: sitePath, query: statsQuery },
  responses: {
    200: z.strictObject({
      operators: z.array(z.strictObject({ id: z.string(), assigned: z.number().int(), byMethod: methodCountsSchema })),
      unassigned: z.number().int(),
    }),
  },
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, query, rt }) => ok(await siteStats(rt.deps, path.siteId, query ?? {})),
});
