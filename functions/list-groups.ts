import { lambdaHandler } from '../lib/http/lambda.js';
import { listGroupsRoute } from '../lib/routes/list-groups.js';

export const handler = lambdaHandler(listGroupsRoute);
