import { operatorChatsReply } from '../lib/api/operators.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('list-operator-chats', (event, rt) =>
  operatorChatsReply(rt, operatorTarget(event)),
);
