import { countAssigned } from '../observability/metrics.js';
import * as z from 'zod';
import { chatPath, transferInput } from '../domain/schemas.js';
import { transferChatFor } from '../engine/reassign.js';
import { chatObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const transferChatRoute = defineRoute({
  name: 'transfer-chat',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats/{chatId}/transfer',
  // The admin, or the chat's own operator (checked by the engine).
  role: 'site-member',
  summary: 'Transfer a chat to an available operator ({operatorId}) or to a group ({group}: routed within it, or waiting for it)',
  request: { path: chatPath, body: transferInput },
  responses: { 200: z.strictObject({ chat: chatObject }) },
  // To an operator: one transaction (the receiver's claim, the chat, the sender's capacity, the
  // visitor's last operator, their group copies). To a group: the take-back (the chat, its new
  // queue entry, the sender) and a dispatch pass of the site. Either sends the new deadlines.
  grants: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    queries: ['table', 'queue', 'load'],
    deadlines: true,
  },
  handle: async ({ path, body, principal, rt }) => {
    const chat = await transferChatFor(rt.deps, path.siteId, path.chatId, principal, body);
    if (chat.assignedBy === 'transfer') countAssigned('transfer');
    return ok({ chat });
  },
});
