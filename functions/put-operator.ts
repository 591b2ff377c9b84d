import { lambdaHandler } from '../lib/http/lambda.js';
import { putOperator } from '../lib/routes/put-operator.js';

export const handler = lambdaHandler(putOperator);
