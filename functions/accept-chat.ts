import { lambdaHandler } from '../lib/http/lambda.js';
import { acceptChatRoute } from '../lib/routes/accept-chat.js';

export const handler = lambdaHandler(acceptChatRoute);
