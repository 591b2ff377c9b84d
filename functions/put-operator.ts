import { putOperatorReply } from '../lib/api/operators.js';
import { type OperatorInput } from '../lib/domain/schemas.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('put-operator', (event, rt) =>
  putOperatorReply(rt, operatorTarget(event), event.jsonBody as OperatorInput),
);
