import * as z from 'zod';
import { publicOperator } from '../domain/model.js';
import { forbidden } from '../domain/errors.js';
import { requireOperator } from '../engine/operators.js';
import { requireSite } from '../engine/sites.js';
import { operatorObject } from '../http/response-schemas.js';
import { defineRoute, ok } from '../http/route.js';
import { liveUrlFor } from '../live/live-url.js';

export const getMe = defineRoute({
  name: 'get-me',
  method: 'GET',
  path: '/v1/me',
  role: 'any-token',
  summary: 'Whose token this is: its role, site and operator (with the operator itself), for the console and admin pages',
  request: { headers: z.looseObject({ host: z.string().optional() }) },
  responses: {
    200: z.strictObject({
      role: z.enum(['platform', 'admin', 'operator']),
      siteId: z.string().optional(),
      operatorId: z.string().optional(),
      operator: operatorObject.optional(),
      heartbeatTimeoutSeconds: z.number().int().optional(),
      answerTimeoutSeconds: z.number().int().nullable().optional(),
      /** Where the console listens for its chats (operators only). */
      liveUrl: z.string().nullable().optional(),
    }),
  },
  grants: { table: ['GetItem'] },
  /**
   * For an operator, also its own operator object (the console shows the real status, which the
   * sweep may have changed), the site's heartbeat timeout (the console heartbeats well within it)
   * and its answer timeout (the console counts down to it on each chat not yet accepted).
   */
  async handle({ principal, headers, rt }) {
    if (!principal) throw forbidden();
    if (principal.role !== 'operator') return ok(principal);
    const [{ operator }, site] = await Promise.all([
      requireOperator(rt.deps, principal.siteId, principal.operatorId),
      requireSite(rt.deps, principal.siteId),
    ]);
    const { heartbeatTimeoutSeconds, answerTimeoutSeconds } = site.settings;
    return ok({ ...principal, operator: publicOperator(operator), heartbeatTimeoutSeconds, answerTimeoutSeconds, liveUrl: liveUrlFor(rt.config, headers.host) });
  },
});
