import * as z from 'zod';
import { defineRoute, ok } from '../http/route.js';

export const getHealth = defineRoute({
  name: 'get-health',
  method: 'GET',
  path: '/v1/health',
  role: 'none',
  summary: 'Liveness check',
  request: {},
  responses: { 200: z.strictObject({ ok: z.literal(true) }) },
  grants: { table: [] },
  handle: async () => ok({ ok: true as const }),
});
