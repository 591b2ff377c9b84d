import { lambdaHandler } from '../lib/http/lambda.js';
import { postMessageRoute } from '../lib/routes/post-message.js';

export const handler = lambdaHandler(postMessageRoute);
