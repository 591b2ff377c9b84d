import { lambdaHandler } from '../lib/http/lambda.js';
import { getSettings } from '../lib/routes/get-settings.js';

export const handler = lambdaHandler(getSettings);
