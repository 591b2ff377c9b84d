import * as z from 'zod';
import { chatPath } from '../domain/schemas.js';
import { readChatFor } from '../engine/queue.js';
import { chatObject, queuePlace } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const getChat = defineRoute({
  name: 'get-chat',
  method: 'GET',
  path: '/v1/sites/{siteId}/chats/{chatId}',
  role: 'chat-reader',
  widget: true,
  summary: "Read a chat, its operator and its place in the queue (the visitor's chat token as the Bearer token, its operator or the admin)",
  request: { path: chatPath },
  responses: {
    200: z.strictObject({
      chat: chatObject,
      operator: z.strictObject({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable() }).nullable(),
      queue: queuePlace.nullable(),
    }),
  },
  // The chat; its operator and settings (the avatar shown), or its position (the waiting
  // entries up to it, in the table) and the recent closes.
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, principal, bearer, rt }) => ok(await readChatFor(rt.deps, path.siteId, path.chatId, { principal, bearer })),
});
