import * as z from 'zod';
import { idempotencyKey, sitePath, startChatInput } from '../domain/schemas.js';
import { startChatOnce } from '../http/idempotent-start.js';
import { chatObject } from '../http/response-schemas.js';
import { accepted, created, defineRoute } from '../http/route.js';

const assignedOperator = z.strictObject({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable() });

export const startChatRoute = defineRoute({
  name: 'start-chat',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats',
  role: 'visitor',
  widget: true,
  summary: 'Start a chat: assigns an operator or records it unassigned',
  request: {
    path: sitePath,
    body: startChatInput,
    headers: z.looseObject({ 'idempotency-key': idempotencyKey.optional() }),
  },
  responses: {
    201: z.strictObject({ chat: chatObject, chatToken: z.string(), operator: assignedOperator }),
    202: z.strictObject({ chat: chatObject, chatToken: z.string() }),
  },
  // The claim's transaction writes the operator, the chat and the visitor's counter; a chat that
  // finds nobody is written with a ConditionCheck on the counter. Query: the head of the queue.
  grants: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem'], queries: ['queue'], idempotency: true },
  async handle({ path, body, headers, context, rt }) {
    const { chat, chatToken, operator } = await startChatOnce(rt, path.siteId, body, headers['idempotency-key'], context);
    return operator ? created({ chat, chatToken, operator }) : accepted({ chat, chatToken });
  },
});
