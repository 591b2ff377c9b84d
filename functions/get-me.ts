import { whoAmIReply } from '../lib/api/me.js';
import type { Principal } from '../lib/domain/auth.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('get-me', (event, rt) => whoAmIReply(rt, event.principal as Principal));
