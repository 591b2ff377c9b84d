import * as z from 'zod';
import { chatPath } from '../domain/schemas.js';
import { acceptChatFor } from '../engine/reassign.js';
import { chatObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const acceptChatRoute = defineRoute({
  name: 'accept-chat',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats/{chatId}/accept',
  // Any member's token is checked here; the engine admits only the chat's current operator.
  role: 'site-member',
  summary: "Accept a chat assigned to you: no answer timeout takes it back any more (409 chat_not_yours when it is no longer yours)",
  request: { path: chatPath },
  responses: { 200: z.strictObject({ chat: chatObject }) },
  // The chat read, its acceptedAt set on the condition that it is still at that assignment; the
  // operator's run of missed chats reset.
  grants: { table: ['GetItem', 'UpdateItem'] },
  handle: async ({ path, principal, rt }) => ok({ chat: await acceptChatFor(rt.deps, path.siteId, path.chatId, principal) }),
});
