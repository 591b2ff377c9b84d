import { lambdaHandler } from '../lib/http/lambda.js';
import { startChatRoute } from '../lib/routes/start-chat.js';

export const handler = lambdaHandler(startChatRoute);
