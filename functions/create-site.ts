import { createSiteReply } from '../lib/api/sites.js';
import { type CreateSiteInput } from '../lib/domain/schemas.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('create-site', (event, rt) =>
  createSiteReply(rt, event.jsonBody as CreateSiteInput),
);
