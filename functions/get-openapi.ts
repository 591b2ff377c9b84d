import { openApiDocument } from '../lib/http/openapi.js';
import { apiHandler } from '../lib/http/api-handler.js';
import { ok } from '../lib/http/api-event.js';

export const handler = apiHandler('get-openapi', async () => ok(openApiDocument()));
