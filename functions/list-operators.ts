import { listOperatorsReply } from '../lib/api/operators.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('list-operators', (event, rt) =>
  listOperatorsReply(rt, event.pathParameters!.siteId!),
);
