import * as z from 'zod';
import { settingsPatch, sitePath } from '../domain/schemas.js';
import { updateSettings } from '../engine/sites.js';
import { settingsObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const updateSettingsRoute = defineRoute({
  name: 'update-settings',
  method: 'PUT',
  path: '/v1/sites/{siteId}/settings',
  role: 'admin',
  summary: "Partially update the site's settings; the update that sets a webhook URL where there was none also returns the signing secret, this once",
  request: { path: sitePath, body: settingsPatch },
  responses: { 200: settingsObject.extend({ webhookSecret: z.string().optional() }) },
  // A newly named default operator is a ConditionCheck in the update's transaction; a new
  // heartbeat timeout is copied to the operators (a Query of the site's items). A first webhook
  // URL gets its secret, derived from the service's key.
  grants: { table: ['GetItem', 'Query', 'UpdateItem', 'ConditionCheckItem'], queries: ['table'], webhookKey: true, deadlines: true },
  handle: async ({ path, body, rt }) => ok(await updateSettings(rt.deps, path.siteId, body, () => rt.webhookKey())),
});
