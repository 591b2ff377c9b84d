import { apiHandler } from '../lib/http/api-handler.js';
import { ok } from '../lib/http/api-event.js';

export const handler = apiHandler('get-health', async () => ok({ ok: true }));
