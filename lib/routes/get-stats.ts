import * as z from 'zod';
import { sitePath, statsQuery } from '../domain/schemas.js';
import { siteStats } from '../engine/stats.js';
import { methodCountsSchema } from '../domain/distribution/schemas.js';
import { defineRoute, ok } from '../http/route.js';

const waitSeconds = z.strictObject({ p50: z.number().min(0), p90: z.number().min(0), max: z.number().min(0) }).nullable();

export const getStats = defineRoute({
  name: 'get-stats',
  method: 'GET',
  path: '/v1/sites/{siteId}/stats',
  role: 'admin',
  summary: 'Chats created in a period, by operator and assignment rule, with misses, waits and a line per UTC day; and how many wait now',
  request: { path: sitePath, query: statsQuery },
  responses: {
    200: z.strictObject({
      operators: z.array(z.strictObject({ id: z.string(), assigned: z.number().int(), byMethod: methodCountsSchema, missed: z.number().int() })),
      unassigned: z.number().int(),
      waiting: z.number().int(),
      missed: z.number().int(),
      waitSeconds,
      days: z.array(
        z.strictObject({
          date: z.iso.date(),
          assigned: z.number().int(),
          unassigned: z.number().int(),
          missed: z.number().int(),
          byMethod: methodCountsSchema,
          waitSeconds,
        }),
      ),
    }),
  },
  // The settings, the operators and the period's chats (the table); the waiting entries, counted;
  // the mark of a site from before the counters, at its first report.
  grants: { table: ['GetItem', 'Query', 'UpdateItem'], queries: ['table'] },
  handle: async ({ path, query, rt }) => ok(await siteStats(rt.deps, path.siteId, query ?? {})),
});
