import * as z from 'zod';
import { chatPath, messageInput } from '../domain/schemas.js';
import { publicMessage } from '../domain/model.js';
import { postMessage } from '../engine/messages.js';
import { messageObject } from '../http/response-schemas.js';
import { created, defineRoute } from '../http/route.js';

export const postMessageRoute = defineRoute({
  name: 'post-message',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats/{chatId}/messages',
  role: 'chat-reader',
  widget: true,
  summary: "Write in a chat: the visitor (its chat token as the Bearer token) or the chat's operator, whose first message accepts it",
  request: { path: chatPath, body: messageInput },
  responses: { 201: z.strictObject({ message: messageObject }) },
  // The chat read; the message written with the chat's count of messages (and the operator's
  // accept) in one transaction; the operator's run of missed chats reset by its first message.
  grants: { table: ['GetItem', 'PutItem', 'UpdateItem'] },
  handle: async ({ path, body, principal, bearer, rt }) =>
    created({ message: publicMessage(await postMessage(rt.deps, path.siteId, path.chatId, { principal, bearer }, body.text)) }),
});
