import { lambdaHandler } from '../lib/http/lambda.js';
import { listOperatorChats } from '../lib/routes/list-operator-chats.js';

export const handler = lambdaHandler(listOperatorChats);
