import { lambdaHandler } from '../lib/http/lambda.js';
import { deleteOperatorRoute } from '../lib/routes/delete-operator.js';

export const handler = lambdaHandler(deleteOperatorRoute);
