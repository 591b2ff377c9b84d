import { heartbeatReply } from '../lib/api/operators.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('record-heartbeat', (event, rt) =>
  heartbeatReply(rt, operatorTarget(event)),
);
