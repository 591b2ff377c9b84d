import { lambdaHandler } from '../lib/http/lambda.js';
import { getOpenapi } from '../lib/routes/get-openapi.js';

export const handler = lambdaHandler(getOpenapi);
