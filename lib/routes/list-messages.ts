import * as z from 'zod';
import { chatPath, messagesQuery } from '../domain/schemas.js';
import { publicMessage } from '../domain/model.js';
import { readMessages } from '../engine/messages.js';
import { messageObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listMessagesRoute = defineRoute({
  name: 'list-messages',
  method: 'GET',
  path: '/v1/sites/{siteId}/chats/{chatId}/messages',
  role: 'chat-reader',
  widget: true,
  summary: "A chat's messages, oldest first, 100 at most after `after` (the visitor, the chat's operator or the admin)",
  request: { path: chatPath, query: messagesQuery },
  responses: { 200: z.strictObject({ messages: z.array(messageObject) }) },
  // The chat (who may read it), then one Query of its messages (the table).
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, query, principal, bearer, rt }) =>
    ok({ messages: (await readMessages(rt.deps, path.siteId, path.chatId, { principal, bearer }, query?.after)).map(publicMessage) }),
});
