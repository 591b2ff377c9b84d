import { lambdaHandler } from '../lib/http/lambda.js';
import { listOperatorsRoute } from '../lib/routes/list-operators.js';

export const handler = lambdaHandler(listOperatorsRoute);
