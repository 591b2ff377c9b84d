import { lambdaHandler } from '../lib/http/lambda.js';
import { getMe } from '../lib/routes/get-me.js';

export const handler = lambdaHandler(getMe);
