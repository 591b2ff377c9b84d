import { lambdaHandler } from '../lib/http/lambda.js';
import { listMessagesRoute } from '../lib/routes/list-messages.js';

export const handler = lambdaHandler(listMessagesRoute);
