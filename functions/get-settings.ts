import { settingsReply } from '../lib/api/sites.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('get-settings', (event, rt) =>
  settingsReply(rt, event.pathParameters!.siteId!),
);
