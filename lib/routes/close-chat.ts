import * as z from 'zod';
import { chatPath, closeChatInput } from '../domain/schemas.js';
import { closeChatFor } from '../engine/chats.js';
import { chatObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const closeChatRoute = defineRoute({
  name: 'close-chat',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats/{chatId}/close',
  role: 'chat-party',
  widget: true,
  summary: "Close a chat (its operator's token, the visitor's chatToken in the body, or the admin's token: a follow-up request handled)",
  request: { path: chatPath, body: closeChatInput },
  responses: { 200: z.strictObject({ chat: chatObject }) },
  // The close and the operator's capacity (and the visitor's count) in one transaction; a waiting
  // chat's queue entry is deleted with it; the hour's count of closes (for the estimated wait).
  grants: { table: ['GetItem', 'UpdateItem', 'DeleteItem'] },
  handle: async ({ path, body, principal, rt }) =>
    ok({ chat: await closeChatFor(rt.deps, path.siteId, path.chatId, { principal, chatToken: body?.chatToken }) }),
});
