import { lambdaHandler } from '../lib/http/lambda.js';
import { putGroupRoute } from '../lib/routes/put-group.js';

export const handler = lambdaHandler(putGroupRoute);
