import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { ResponseHeadersPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatDistributionStack } from '../../infra/stack.js';
import { AVATAR_CSP, HSTS_MAX_AGE_SECONDS, PAGE_CSP, pageCsp, WEB_HEADERS } from '../../infra/web-headers.js';

/** Synthesized without bundling and without web assets: the headers do not depend on them. */
let stack: ChatDistributionStack;
let template: Template;
beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new ChatDistributionStack(app, 'HeadersTest', { envName: 'dev' });
  template = Template.fromStack(stack);
});

interface HeadersConfig {
  Comment?: string;
  Name: unknown;
  SecurityHeadersConfig?: Record<string, unknown>;
  CustomHeadersConfig?: { Items: { Header: string; Value: string; Override: boolean }[] };
  CorsConfig?: unknown;
  RemoveHeadersConfig?: unknown;
  ServerTimingHeadersConfig?: unknown;
}

const idOf = (policy: ResponseHeadersPolicy) => Stack.of(policy).getLogicalId(policy.node.defaultChild as never);

/** A header value as text: a value built from references (Fn::Join) reads each as ${LogicalId} or ${AWS::Pseudo}. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const { 'Fn::Join': join, Ref: ref } = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (ref) return `\${${ref}}`;
  if (join) return join[1].map(text).join(join[0]);
  throw new Error(`a header value this test cannot read: ${JSON.stringify(value)}`);
}

function configOf(policy: ResponseHeadersPolicy): HeadersConfig {
  const resources = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
  const resource = resources[idOf(policy)] as { Properties: { ResponseHeadersPolicyConfig: HeadersConfig } } | undefined;
  expect(resource, 'the policy is in the template').toBeDefined();
  return resource!.Properties.ResponseHeadersPolicyConfig;
}

/** Every header a policy adds, as name → value (lower-case names), with whether it overrides the origin's. */
function headersOf(config: HeadersConfig): Record<string, { value: string; override: boolean }> {
  const headers: Record<string, { value: string; override: boolean }> = {};
  const security = (config.SecurityHeadersConfig ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, setting] of Object.entries(security)) {
    const override = setting.Override as boolean;
    switch (key) {
      case 'ContentSecurityPolicy':
        headers['content-security-policy'] = { value: text(setting.ContentSecurityPolicy), override };
        break;
      case 'ContentTypeOptions':
        headers['x-content-type-options'] = { value: 'nosniff', override };
        break;
      case 'FrameOptions':
        headers['x-frame-options'] = { value: setting.FrameOption as string, override };
        break;
      case 'ReferrerPolicy':
        headers['referrer-policy'] = { value: setting.ReferrerPolicy as string, override };
        break;
      case 'StrictTransportSecurity': {
        const value = [
          `max-age=${setting.AccessControlMaxAgeSec}`,
          ...(setting.IncludeSubdomains ? ['includeSubDomains'] : []),
          ...(setting.Preload ? ['preload'] : []),
        ].join('; ');
        headers['strict-transport-security'] = { value, override };
        break;
      }
      default:
        throw new Error(`unexpected security header setting ${key}`);
    }
  }
  for (const item of config.CustomHeadersConfig?.Items ?? []) {
    headers[item.Header.toLowerCase()] = { value: item.Value, override: item.Override };
  }
  return headers;
}

const lower = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
const valuesOf = (headers: Record<string, { value: string }>) =>
  Object.fromEntries(Object.entries(headers).map(([name, { value }]) => [name, value]));
const HSTS = `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`;

interface Behavior {
  PathPattern?: string;
  TargetOriginId: string;
  ResponseHeadersPolicyId?: unknown;
  ViewerProtocolPolicy: string;
}

function distribution() {
  const [resource] = Object.values(template.findResources('AWS::CloudFront::Distribution')) as {
    Properties: { DistributionConfig: { DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[] } };
  }[];
  return resource!.Properties.DistributionConfig;
}

describe('CloudFront response headers', () => {
  it('has one policy for the pages, one for avatars and one for the API, each on its behaviour', () => {
    template.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 3);
    const { DefaultCacheBehavior, CacheBehaviors } = distribution();
    expect(DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: idOf(stack.hosting.pageHeaders) });
    const byPath = Object.fromEntries(CacheBehaviors.map((behavior) => [behavior.PathPattern, behavior]));
    expect(Object.keys(byPath).sort()).toEqual(['/avatars/*', '/v1/*']);
    expect(byPath['/avatars/*']).toMatchObject({
      ResponseHeadersPolicyId: { Ref: idOf(stack.hosting.avatarHeaders) },
      TargetOriginId: DefaultCacheBehavior.TargetOriginId,
      ViewerProtocolPolicy: 'redirect-to-https',
    });
    expect(byPath['/v1/*']).toMatchObject({ ResponseHeadersPolicyId: { Ref: idOf(stack.hosting.apiHeaders) } });
    // The avatars come from the same bucket, through the same origin access control.
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  });

  it('sends the pages (and widget.js) the strict CSP, nosniff, no framing, no referrer and HSTS, overriding the origin', () => {
    const config = configOf(stack.hosting.pageHeaders);
    const headers = headersOf(config);
    // The local pages' policy, but that the pages may also connect to the WebSocket API's host (the live socket).
    const liveOrigin = `wss://\${${idOf(stack.live.api as never)}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`;
    const csp = PAGE_CSP.replace("connect-src 'self'", `connect-src 'self' ${liveOrigin}`);
    expect(csp).not.toBe(PAGE_CSP);
    expect(text(stack.resolve(pageCsp(stack.live.origin)))).toBe(csp);
    expect(valuesOf(headers)).toEqual({
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': HSTS,
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'cross-origin',
    });
    for (const [name, { override }] of Object.entries(headers)) expect(override, name).toBe(true);
    // The same headers the local server sends on the pages; widget.js, served by this behaviour
    // too, keeps a cross-origin resource policy so that any site can run it.
    expect({ ...valuesOf(headers), 'content-security-policy': PAGE_CSP }).toMatchObject(lower(WEB_HEADERS.page));
    expect(headers['cross-origin-resource-policy']!.value).toBe(WEB_HEADERS.site['Cross-Origin-Resource-Policy']);
    expect(config.CorsConfig).toBeUndefined();
    expect(config.RemoveHeadersConfig).toBeUndefined();
  });

  it('gives the pages a CSP without inline code or eval, and no framing', () => {
    const directives = Object.fromEntries(
      PAGE_CSP.split(';').map((directive) => {
        const [name, ...values] = directive.trim().split(/\s+/);
        return [name!, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['require-trusted-types-for']).toEqual(["'script'"]);
    expect(PAGE_CSP).not.toMatch(/unsafe-|\*|https?:/);
  });

  it('sends avatars nosniff, a sandbox CSP and HSTS, loadable by any site, and nothing else', () => {
    const config = configOf(stack.hosting.avatarHeaders);
    const headers = headersOf(config);
    expect(valuesOf(headers)).toEqual({
      'content-security-policy': AVATAR_CSP,
      'x-content-type-options': 'nosniff',
      'strict-transport-security': HSTS,
      'cross-origin-resource-policy': 'cross-origin',
    });
    expect(AVATAR_CSP).toBe('sandbox');
    for (const [name, { override }] of Object.entries(headers)) expect(override, name).toBe(true);
    expect(valuesOf(headers)).toMatchObject(lower(WEB_HEADERS.avatar));
    expect(config.CorsConfig).toBeUndefined();
  });

  it("adds only nosniff and HSTS to the API, never overriding the API's own headers", () => {
    const config = configOf(stack.hosting.apiHeaders);
    expect(config.SecurityHeadersConfig).toEqual({
      ContentTypeOptions: { Override: false },
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
        IncludeSubdomains: true,
        Preload: false,
        Override: false,
      },
    });
    // CORS stays the API's (per site); nothing is removed or added beside.
    expect(config.CorsConfig).toBeUndefined();
    expect(config.CustomHeadersConfig).toBeUndefined();
    expect(config.RemoveHeadersConfig).toBeUndefined();
  });
});

describe('folder paths in CloudFront', () => {
  it('rewrites /console/ and /admin/ to their index.html on the default behaviour', async () => {
    const { FOLDER_INDEX_FUNCTION } = await import('../../infra/constructs/hosting.js');
    const handler = new Function(`${FOLDER_INDEX_FUNCTION}; return handler;`)() as (event: unknown) => { uri: string };
    const uriFor = (uri: string) => handler({ request: { uri } }).uri;
    expect(uriFor('/console/')).toBe('/console/index.html');
    expect(uriFor('/admin')).toBe('/admin/index.html');
    expect(uriFor('/')).toBe('/index.html');
    expect(uriFor('/widget.js')).toBe('/widget.js');
    expect(uriFor('/avatars/site/a.png')).toBe('/avatars/site/a.png');

    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: Match.stringLikeRegexp('index.html') },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
      }),
    });
  });
});
