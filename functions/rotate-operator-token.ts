import { lambdaHandler } from '../lib/http/lambda.js';
import { rotateOperatorTokenRoute } from '../lib/routes/rotate-operator-token.js';

export const handler = lambdaHandler(rotateOperatorTokenRoute);
