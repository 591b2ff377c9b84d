import { LANGUAGES } from '../domain/model.js';
import * as z from 'zod';
import { sitePath } from '../domain/schemas.js';
import { widgetView } from '../engine/widget.js';
import { defineRoute, ok } from '../http/route.js';
import { liveUrlFor } from '../live/live-url.js';

const widgetOperator = z.strictObject({
  id: z.string(),
  name: z.string(),
  avatarUrl: z.string().nullable(),
  status: z.enum(['online', 'away']),
});

export const getWidget = defineRoute({
  name: 'get-widget',
  method: 'GET',
  path: '/v1/sites/{siteId}/widget',
  role: 'visitor',
  widget: true,
  summary: 'What the widget shows: available operators and site options',
  // The Host header names the local server's socket (in AWS the WebSocket API's URL is configured).
  request: { path: sitePath, headers: z.looseObject({ host: z.string().optional() }) },
  responses: {
    200: z.strictObject({
      allowVisitorChoice: z.boolean(),
      sharedAvatarUrl: z.string().nullable(),
      operators: z.array(widgetOperator),
      groups: z.array(z.strictObject({ id: z.string(), name: z.string(), available: z.boolean() })),
      language: z.enum(LANGUAGES),
      liveUrl: z.string().nullable(),
    }),
  },
  grants: { table: ['GetItem', 'Query'], queries: ['table'] },
  handle: async ({ path, headers, site, rt }) => ok({ ...(await widgetView(rt.deps, path.siteId, site)), liveUrl: liveUrlFor(rt.config, headers.host) }),
});
