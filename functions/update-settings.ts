import { updateSettingsReply } from '../lib/api/sites.js';
import { type SettingsPatch } from '../lib/domain/schemas.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('update-settings', (event, rt) =>
  updateSettingsReply(rt, event.pathParameters!.siteId!, event.jsonBody as SettingsPatch),
);
