import { lambdaHandler } from '../lib/http/lambda.js';
import { listQueueRoute } from '../lib/routes/list-queue.js';

export const handler = lambdaHandler(listQueueRoute);
