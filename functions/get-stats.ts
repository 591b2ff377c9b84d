import { lambdaHandler } from '../lib/http/lambda.js';
import { getStats } from '../lib/routes/get-stats.js';

export const handler = lambdaHandler(getStats);
