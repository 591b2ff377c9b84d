import * as z from 'zod';
import { idempotencyKey, sitePath, startChatInput } from '../domain/schemas.js';
import { startChatOnce } from '../http/idempotent-start.js';
import { chatObject, queuePlace } from '../http/response-schemas.js';
import { accepted, created, defineRoute } from '../http/route.js';
import { countAssigned, countNewChat } from '../observability/metrics.js';

const assignedOperator = z.strictObject({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable() });

export const startChatRoute = defineRoute({
  name: 'start-chat',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats',
  role: 'visitor',
  widget: true,
  // The engine reads the settings anyway: it holds the Origin to them, and CORS reads no site.
  originCheckedByHandler: true,
  summary: 'Start a chat: assigns an operator, or the chat waits in the queue (or is recorded unassigned)',
  request: {
    path: sitePath,
    body: startChatInput,
    headers: z.looseObject({ 'idempotency-key': idempotencyKey.optional() }),
  },
  responses: {
    201: z.strictObject({ chat: chatObject, chatToken: z.string(), operator: assignedOperator }),
    // Waiting: with its place in the queue; unassigned (queue off or full): without.
    202: z.strictObject({ chat: chatObject, chatToken: z.string(), queue: queuePlace.optional() }),
  },
  // The claim's transaction writes the operator, the chat and the visitor's counter (and, with an
  // Idempotency-Key, completes the request's record in the idempotency table); a chat that
  // finds nobody is written with a ConditionCheck on the counter, or waits (chat, queue entry and
  // counter). In random mode, a drawn operator that went offline holding its slot gives it back (a
  // transaction that may delete the last slot). Query: the head of the queue index (the load index in least-busy mode); the table for a waiting chat's position.
  grants: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
    queries: ['queue', 'load', 'table'],
    idempotency: true,
    // A group chat that waits sends its fallback moment to the deadline queue.
    deadlines: true,
  },
  async handle({ path, body, headers, context, rt, origin }) {
    const check = origin ? { origin: origin.mustAllow, onSettings: origin.onSettings } : {};
    const { chat, chatToken, operator, queue } = await startChatOnce(rt, path.siteId, body, headers['idempotency-key'], context, check);
    if (operator) countAssigned(chat.assignedBy ?? 'unknown');
    else countNewChat(chat.status === 'waiting' ? 'waiting' : 'unassigned');
    if (operator) return created({ chat, chatToken, operator });
    return accepted(queue ? { chat, chatToken, queue } : { chat, chatToken });
  },
});
