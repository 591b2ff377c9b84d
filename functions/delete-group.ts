import { lambdaHandler } from '../lib/http/lambda.js';
import { deleteGroupRoute } from '../lib/routes/delete-group.js';

export const handler = lambdaHandler(deleteGroupRoute);
