import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { listWebhookDeliveries } from '../engine/webhooks.js';
import { webhookDeliveryObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';

export const listWebhookDeliveriesRoute = defineRoute({
  name: 'list-webhook-deliveries',
  method: 'GET',
  path: '/v1/sites/{siteId}/webhook-deliveries',
  role: 'admin',
  summary: "The site's latest webhook deliveries (up to 50, newest event first): each event's last attempt and its outcome",
  request: { path: sitePath },
  responses: { 200: z.strictObject({ deliveries: z.array(webhookDeliveryObject) }) },
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, rt }) => ok({ deliveries: await listWebhookDeliveries(rt.deps, path.siteId) }),
});
