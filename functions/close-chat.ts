import { lambdaHandler } from '../lib/http/lambda.js';
import { closeChatRoute } from '../lib/routes/close-chat.js';

export const handler = lambdaHandler(closeChatRoute);
