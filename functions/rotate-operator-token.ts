import { rotateOperatorTokenReply } from '../lib/api/tokens.js';
import { apiHandler, operatorTarget } from '../lib/http/api-handler.js';

export const handler = apiHandler('rotate-operator-token', (event, rt) => rotateOperatorTokenReply(rt, operatorTarget(event)));
