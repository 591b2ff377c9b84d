import { lambdaHandler } from '../lib/http/lambda.js';
import { getChat } from '../lib/routes/get-chat.js';

export const handler = lambdaHandler(getChat);
