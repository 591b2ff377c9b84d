import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { defineRoute, ok } from '../../lib/http/route.js';
import type { RouteHandler } from '../../lib/http/lambda.js';
import { JOBS } from '../../lib/jobs/index.js';
import { SOCKET_ROUTES } from '../../lib/live/socket-routes.js';
import { ENDPOINTS, ROUTES } from '../../lib/routes/index.js';

const FUNCTIONS = join(process.cwd(), 'functions');

describe('one definition per route', () => {
  it('names each route once, and each method and path once', () => {
    expect(new Set(ROUTES.map((route) => route.name)).size).toBe(ROUTES.length);
    expect(new Set(ENDPOINTS.map((route) => `${route.method} ${route.path}`)).size).toBe(ENDPOINTS.length);
  });

  it.each(ROUTES.map((route) => [route.name, route] as const))('functions/%s.ts serves exactly that route', async (name, route) => {
    const { handler } = (await import(join(FUNCTIONS, `${name}.ts`))) as { handler: RouteHandler };
    expect(handler.route).toBe(route);
  });

  it('has no Lambda entry that serves no route (but the preflight, the socket routes and the jobs)', () => {
    const entries = readdirSync(FUNCTIONS).map((file) => file.replace(/\.ts$/, ''));
    const served = new Set([...ENDPOINTS.map((route) => route.name), ...SOCKET_ROUTES.map((route) => route.name), ...JOBS.map((job) => job.name)]);
    expect(entries.filter((entry) => !served.has(entry))).toEqual([]);
  });

  it.each(ROUTES.map((route) => [route.name, route] as const))('%s: a schema for each part it takes, a documented 2xx, its grants', (_, route) => {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    const pathSchema = route.request.path as z.ZodObject | undefined;
    expect(Object.keys(pathSchema?.shape ?? {}).sort()).toEqual(parameters.sort());
    if (route.method === 'PUT') expect(route.request.body ?? route.binaryBody).toBeTruthy();
    expect(Object.keys(route.responses).map(Number).some((status) => status >= 200 && status < 300)).toBe(true);
    expect(route.grants.table.includes('Query')).toBe((route.grants.queries ?? []).length > 0);
  });

  it('makes a path parameter without a schema a type error', () => {
    const route = defineRoute({
      name: 'example',
      method: 'GET',
      path: '/v1/sites/{siteId}/example',
      role: 'admin',
      summary: 'An example',
      // @ts-expect-error: the path names siteId, so the request must have a path schema for it
      request: {},
      responses: { 200: z.strictObject({ ok: z.boolean() }) },
      grants: { table: [] },
      handle: async () => ok({ ok: true }),
    });
    expect(route.name).toBe('example');
  });
});
