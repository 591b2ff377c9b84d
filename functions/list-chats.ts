import { lambdaHandler } from '../lib/http/lambda.js';
import { listChatsRoute } from '../lib/routes/list-chats.js';

export const handler = lambdaHandler(listChatsRoute);
