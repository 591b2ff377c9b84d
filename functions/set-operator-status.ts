import { lambdaHandler } from '../lib/http/lambda.js';
import { setOperatorStatusRoute } from '../lib/routes/set-operator-status.js';

export const handler = lambdaHandler(setOperatorStatusRoute);
