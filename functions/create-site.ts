import { lambdaHandler } from '../lib/http/lambda.js';
import { createSiteRoute } from '../lib/routes/create-site.js';

export const handler = lambdaHandler(createSiteRoute);
