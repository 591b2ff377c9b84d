import * as z from 'zod';
import { chatsQuery, sitePath } from '../domain/schemas.js';
import { listFollowUps } from '../engine/messages.js';
import { chatObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listChatsRoute = defineRoute({
  name: 'list-chats',
  method: 'GET',
  path: '/v1/sites/{siteId}/chats',
  role: 'admin',
  summary: 'The follow-up requests (`status=unassigned`, the only status listed): chats nobody took and not closed, newest first, 20 a page (then `cursor`)',
  request: { path: sitePath, query: chatsQuery },
  responses: { 200: z.strictObject({ chats: z.array(chatObject), cursor: z.string().optional() }) },
  // The settings (the site exists), then one Query of the follow-ups partition of the openChats index.
  grants: { table: ['GetItem', 'Query'], queries: ['openChats'] },
  handle: async ({ path, query, rt }) => ok(await listFollowUps(rt.deps, path.siteId, query?.cursor)),
});
