import { setStatusReply } from '../lib/api/operators.js';
import type { OperatorStatus } from '../lib/domain/model.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('set-operator-status', (event, rt) =>
  setStatusReply(rt, operatorTarget(event), (event.jsonBody as { status: OperatorStatus }).status),
);
