import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, routeKey, VISITOR_ROUTES } from '../../infra/constructs/api.js';
import { ChatDistributionStack } from '../../infra/stack.js';
import { ENDPOINTS as ALL_ROUTES } from '../../lib/routes/index.js';

/** Synthesized without bundling, as test/infra/stack.test.ts does; `context` as `cdk -c` would give it. */
function synth(envName = 'dev', context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new ChatDistributionStack(app, `Throttle-${envName}`, { envName });
  return Template.fromStack(stack);
}

type Resource = { Type: string; Properties: any; DependsOn?: string[] };

function stageOf(template: Template): Resource {
  // The HTTP API's stage (the WebSocket API's, `live`, has no route settings).
  const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { StageName: '$default' } })) as Resource[];
  expect(stages).toHaveLength(1);
  return stages[0]!;
}

const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
  context: { visitorThrottle: { rateLimit: number; burstLimit: number } };
};
const fromCdkJson = cdkJson.context.visitorThrottle;

describe('API Gateway throttling of the visitor routes', () => {
  it('takes the numbers from cdk.json: positive, and tighter than the stage default of every environment', () => {
    expect(fromCdkJson).toEqual({ rateLimit: expect.any(Number), burstLimit: expect.any(Number) });
    expect(Number.isInteger(fromCdkJson.burstLimit)).toBe(true);
    for (const envName of ['dev', 'prod']) {
      const defaults = stageOf(synth(envName)).Properties.DefaultRouteSettings;
      expect(fromCdkJson.rateLimit).toBeGreaterThan(0);
      expect(fromCdkJson.rateLimit).toBeLessThan(defaults.ThrottlingRateLimit);
      expect(fromCdkJson.burstLimit).toBeGreaterThan(0);
      expect(fromCdkJson.burstLimit).toBeLessThan(defaults.ThrottlingBurstLimit);
    }
  });

  it('covers exactly the widget routes of the route table and their preflights', () => {
    const widgetPaths = new Set(ALL_ROUTES.filter((route) => route.widget && route.method !== 'OPTIONS').map((route) => route.path));
    expect(widgetPaths.size).toBeGreaterThan(0);
    const expected = [
      ...ALL_ROUTES.filter((route) => route.widget && route.method !== 'OPTIONS'),
      ...[...widgetPaths].map((path) => ALL_ROUTES.find((route) => route.method === 'OPTIONS' && route.path === path)!),
    ];
    expect(VISITOR_ROUTES.map(routeKey).sort()).toEqual(expected.map(routeKey).sort());
    expect(VISITOR_ROUTES.map((route) => route.role)).not.toContain('admin');
  });

  it('sets each visitor route its own rate and burst on the $default stage, and leaves every other route to the stage default', () => {
    const template = synth();
    const stage = stageOf(template);
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    const expected = Object.fromEntries(
      VISITOR_ROUTES.map((route) => [
        routeKey(route),
        { ThrottlingRateLimit: fromCdkJson.rateLimit, ThrottlingBurstLimit: fromCdkJson.burstLimit },
      ]),
    );
    expect(stage.Properties.RouteSettings).toEqual(expected);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectEquals(expected),
    });
  });

  it('names only routes that exist, and deploys the stage after them (route settings of a missing route fail the deployment)', () => {
    const template = synth();
    const stage = stageOf(template);
    const routes = template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>;
    const idOfKey = new Map(Object.entries(routes).map(([id, route]) => [route.Properties.RouteKey as string, id]));
    for (const key of Object.keys(stage.Properties.RouteSettings)) {
      expect(idOfKey.has(key), key).toBe(true);
      expect(stage.DependsOn ?? [], key).toContain(idOfKey.get(key));
    }
  });

  it('keeps the same visitor numbers in prod, where only the stage default is higher', () => {
    const stage = stageOf(synth('prod'));
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    for (const settings of Object.values(stage.Properties.RouteSettings)) {
      expect(settings).toEqual({ ThrottlingRateLimit: fromCdkJson.rateLimit, ThrottlingBurstLimit: fromCdkJson.burstLimit });
    }
  });

  it('takes a context override, as an object or as the JSON text `cdk -c` passes', () => {
    for (const visitorThrottle of [{ rateLimit: 7, burstLimit: 9 }, '{"rateLimit": 7, "burstLimit": 9}']) {
      const stage = stageOf(synth('dev', { visitorThrottle }));
      expect(Object.keys(stage.Properties.RouteSettings)).toHaveLength(VISITOR_ROUTES.length);
      for (const settings of Object.values(stage.Properties.RouteSettings)) {
        expect(settings).toEqual({ ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 });
      }
    }
  });

  it('refuses numbers that are missing, not positive, fractional bursts, or above the stage default', () => {
    for (const visitorThrottle of [
      {},
      { rateLimit: 10 },
      { rateLimit: 0, burstLimit: 10 },
      { rateLimit: 10, burstLimit: 0 },
      { rateLimit: 10, burstLimit: 2.5 },
      { rateLimit: 101, burstLimit: 10 },
      { rateLimit: 10, burstLimit: 201 },
      { rateLimit: '10', burstLimit: 20 },
      'not json',
    ]) {
      expect(() => synth('dev', { visitorThrottle }), JSON.stringify(visitorThrottle)).toThrow();
    }
  });
});
