import { rotateAdminTokenReply } from '../lib/api/tokens.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('rotate-admin-token', (event, rt) => rotateAdminTokenReply(rt, event.pathParameters!.siteId!));
