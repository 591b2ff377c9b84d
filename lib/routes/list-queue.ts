import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { listQueue } from '../engine/queue.js';
import { defineRoute, ok } from '../http/route.js';

export const listQueueRoute = defineRoute({
  name: 'list-queue',
  method: 'GET',
  path: '/v1/sites/{siteId}/queue',
  role: 'site-member',
  summary: "The site's waiting chats, oldest first (the admin or any of its operators)",
  request: { path: sitePath },
  responses: {
    200: z.strictObject({
      waiting: z.array(
        z.strictObject({ chatId: z.string(), group: z.string().nullable(), createdAt: z.iso.datetime(), position: z.number().int().min(1) }),
      ),
    }),
  },
  // The settings (the site exists) and the waiting entries (the table).
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, rt }) => ok({ waiting: await listQueue(rt.deps, path.siteId) }),
});
