import { deleteOperatorReply } from '../lib/api/operators.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('delete-operator', (event, rt) =>
  deleteOperatorReply(rt, operatorTarget(event)),
);
