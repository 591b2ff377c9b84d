import * as z from 'zod';
import { chatPath, idempotencyKey, messageInput } from '../domain/schemas.js';
import { publicMessage } from '../domain/model.js';
import { authorizeWriter, postMessage } from '../engine/messages.js';
import { once } from '../http/idempotent.js';
import { messageObject } from '../http/response-schemas.js';
import { created, defineRoute } from '../http/route.js';

export const postMessageRoute = defineRoute({
  name: 'post-message',
  method: 'POST',
  path: '/v1/sites/{siteId}/chats/{chatId}/messages',
  role: 'chat-reader',
  widget: true,
  summary: "Write in a chat: the visitor (its chat token as the Bearer token) or the chat's operator, whose first message accepts it",
  request: { path: chatPath, body: messageInput, headers: z.looseObject({ 'idempotency-key': idempotencyKey.optional() }) },
  responses: { 201: z.strictObject({ message: messageObject }) },
  // The chat read; the message written with the chat's count of messages (and the operator's
  // accept) in one transaction; the operator's run of missed chats reset by its first message.
  // With an Idempotency-Key, a retried request gets the message written the first time.
  grants: { table: ['GetItem', 'PutItem', 'UpdateItem'], idempotency: true },
  async handle({ path, body, headers, principal, bearer, context, rt }) {
    const write = async () => JSON.stringify(publicMessage(await postMessage(rt.deps, path.siteId, path.chatId, { principal, bearer }, body.text)));
    const key = headers['idempotency-key'];
    // The writer is part of what must match: another caller's message under the same key is a 422.
    const writer = principal?.role === 'operator' ? `operator:${principal.operatorId}` : (principal?.role ?? 'visitor');
    if (key) await authorizeWriter(rt.deps, path.siteId, path.chatId, { principal, bearer });
    const message = key ? await once(rt, context, 'post-message', { scope: [path.siteId, path.chatId], key, payload: { text: body.text, writer } }, write) : await write();
    return created({ message: JSON.parse(message) as ReturnType<typeof publicMessage> });
  },
});
