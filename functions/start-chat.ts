import { startChatRequestReply } from '../lib/api/chats.js';
import type { StartChatInput } from '../lib/domain/schemas.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('start-chat', (event, rt, context) =>
  startChatRequestReply(rt, event.pathParameters!.siteId!, event.jsonBody as StartChatInput, event.headers['idempotency-key'], context),
);
