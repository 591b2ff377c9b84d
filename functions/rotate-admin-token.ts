import { lambdaHandler } from '../lib/http/lambda.js';
import { rotateAdminTokenRoute } from '../lib/routes/rotate-admin-token.js';

export const handler = lambdaHandler(rotateAdminTokenRoute);
