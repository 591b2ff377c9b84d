import * as z from 'zod';
import { operatorPath } from '../domain/schemas.js';
import { listOpenChats } from '../engine/chats.js';
import { chatObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listOperatorChats = defineRoute({
  name: 'list-operator-chats',
  method: 'GET',
  path: '/v1/sites/{siteId}/operators/{operatorId}/chats',
  role: 'operator',
  summary: "The operator's open chats, newest first",
  request: { path: operatorPath },
  responses: { 200: z.strictObject({ chats: z.array(chatObject) }) },
  grants: { table: ['GetItem', 'Query'], queries: ['openChats'] },
  handle: async ({ path, rt }) => ok({ chats: await listOpenChats(rt.deps, path.siteId, path.operatorId) }),
});
