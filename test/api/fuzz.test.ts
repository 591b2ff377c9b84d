/**
 * Every route, fuzzed, never answers 5xx. Requests are derived from the route table and each
 * route's own zod schemas (test/support/fuzz-*.ts): valid ones must get their documented 2xx (or
 * a 4xx the contract lists for that very case), broken ones a 4xx in the contract's error shape.
 * They go through the real handlers on DynamoDB Local via startTestApi, whose call() also checks
 * every reply against the documented response schemas. The seed is fixed (FUZZ_SEED replays
 * another); `npm run fuzz` runs the same with ten thousand cases or more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { routeNamed as findRoute, ROUTES, type Route as RouteDefinition } from '../../lib/routes/index.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { caseArb, routeParts } from '../support/fuzz-cases.js';
import { DEFAULT_SEED, runFuzz, seedFromEnv, summarizeFailures, summaryLine, type Send } from '../support/fuzz-runner.js';
import { validArb } from '../support/fuzz-schema.js';

const CASES = Number(process.env.FUZZ_CASES ?? 1_500);

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ isolated: true });
});
afterAll(() => api?.close());

/** Through startTestApi's call(): a reply its contract check refuses comes back as a failure to report. */
const send: Send = async (request) => {
  try {
    const reply = await api.call(request.method, request.path, { raw: request.body, headers: request.headers });
    return { status: reply.status, headers: reply.headers, text: reply.text };
  } catch (error) {
    return { status: -1, headers: new Headers(), text: '', contractError: (error as Error).message };
  }
};

describe('every route, fuzzed', () => {
  it('never answers 5xx: valid requests get their documented outcome, broken ones a 4xx in the error shape', async () => {
    const seed = seedFromEnv(DEFAULT_SEED);
    const report = await runFuzz({ send, platformToken: api.platformToken, seed, cases: CASES });
    console.log(summaryLine(report));

    expect(report.failures.length, summarizeFailures(report)).toBe(0);
    expect(report.serverErrors).toBe(0);
    expect(report.cases).toBe(CASES);
    // Every route was reached, and both accepted and refused requests: the fixtures and the
    // mutations really get through to each handler.
    const uncovered = ROUTES.filter((route) => {
      const statuses = Object.keys(report.statuses[route.name] ?? {}).map(Number);
      return !statuses.some((status) => status >= 200 && status < 300) || !statuses.some((status) => status >= 400 && status < 500);
    }).map((route) => `${route.name} ${JSON.stringify(report.statuses[route.name] ?? {})}`);
    expect(uncovered, 'routes without both a 2xx and a 4xx').toEqual([]);
  }, 180_000);
});

describe('the fuzzer', () => {
  it('fails, rather than skips, what it cannot derive from the route table and the schemas', () => {
    const settings = findRoute('get-settings');
    const variants: Array<[RouteDefinition, RegExp]> = [
      [{ ...settings, request: undefined as never }, /no request schemas/],
      [{ ...settings, path: '/v1/sites/{siteId}/things/{thingId}' }, /path parameters siteId, thingId but its path schema names siteId/],
      [{ ...findRoute('create-site'), method: 'PUT', request: {} }, /takes a body but has no body schema/],
      [{ ...settings, role: 'robot' as RouteDefinition['role'] }, /role "robot"/],
    ];
    for (const [route, message] of variants) expect(() => caseArb({ nowMs: 0 }, [route])).toThrow(message);
    expect(() => validArb(z.bigint(), { nowMs: 0 })).toThrow(/no generator for zod type "bigint"/);
    for (const route of ROUTES) expect(() => routeParts(route)).not.toThrow();
  });
});
