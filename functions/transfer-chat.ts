import { lambdaHandler } from '../lib/http/lambda.js';
import { transferChatRoute } from '../lib/routes/transfer-chat.js';

export const handler = lambdaHandler(transferChatRoute);
