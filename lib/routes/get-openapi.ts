import * as z from 'zod';
import { openApiDocument } from '../http/openapi.js';
import { defineRoute, ok } from '../http/route.js';

export const getOpenapi = defineRoute({
  name: 'get-openapi',
  method: 'GET',
  path: '/v1/openapi.json',
  role: 'none',
  summary: 'This API described in OpenAPI 3',
  request: {},
  responses: { 200: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) },
  grants: { table: [] },
  // Imported when served, not when defined: the document is built from the route list itself.
  handle: async () => ok((await import('./index.js')).openApi()),
});
