import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { rotateWebhookSecret } from '../engine/webhooks.js';
import { defineRoute, ok } from '../http/route.js';

export const rotateWebhookSecretRoute = defineRoute({
  name: 'rotate-webhook-secret',
  method: 'POST',
  path: '/v1/sites/{siteId}/webhook-secret',
  role: 'admin',
  summary: "A new signing secret for the site's webhooks, returned this once; deliveries are signed with it from now on",
  request: { path: sitePath },
  responses: { 200: z.strictObject({ webhookSecret: z.string() }) },
  grants: { table: ['GetItem', 'UpdateItem'], webhookKey: true },
  handle: async ({ path, rt }) => ok({ webhookSecret: await rotateWebhookSecret(rt.deps, path.siteId, await rt.webhookKey()) }),
});
