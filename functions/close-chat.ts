import { closeChatReply } from '../lib/api/chats.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('close-chat', (event, rt) => {
  const { siteId, chatId } = event.pathParameters as { siteId: string; chatId: string };
  return closeChatReply(rt, { siteId, chatId }, event.principal, (event.jsonBody as { chatToken?: string } | undefined)?.chatToken);
});
