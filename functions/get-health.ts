import { lambdaHandler } from '../lib/http/lambda.js';
import { getHealth } from '../lib/routes/get-health.js';

export const handler = lambdaHandler(getHealth);
