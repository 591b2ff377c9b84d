import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP, pageCsp } from '../../infra/web-headers.js';
import { buildWeb, inlineCodeIn, type WebBuild } from '../../web/build.js';
import { apiSite, startTestApi, type TestApi } from '../support/api.js';
import { HTML_PAYLOAD, IMAGES } from '../support/images.js';

let api: TestApi;
let dist: string;
let web: WebBuild;

beforeAll(async () => {
  // A build of its own, so that other test files rebuilding web/dist meanwhile do not matter.
  dist = mkdtempSync(join(tmpdir(), 'web-dist-'));
  web = await buildWeb(dist);
  const hostDir = mkdtempSync(join(tmpdir(), 'host-'));
  writeFileSync(join(hostDir, 'index.html'), '<!doctype html><title>Shop</title><script src="/widget.js" data-site="x" async></script>');
  writeFileSync(join(dist, 'notes.unknown'), '<script>alert(1)</script>');
  api = await startTestApi({
    statics: [
      { prefix: '/host', folder: hostDir, index: 'index.html' },
      { prefix: '/', folder: dist },
    ],
  });
}, 120_000);
afterAll(() => api?.close());

async function get(path: string) {
  const response = await fetch(`${api.url}${path}`);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

/** Every header of a reply but the ones that vary per request or describe the connection. */
function securityHeaders(headers: Headers) {
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'cache-control', 'transfer-encoding']);
  return Object.fromEntries([...headers].filter(([name]) => !skip.has(name)));
}

const PAGE_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const SITE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-resource-policy': 'cross-origin',
};

describe('static files of the local server', () => {
  it('serves console and admin, and their scripts and styles, with the strict CSP and never framed', async () => {
    for (const [path, type] of [
      ['/console/', 'text/html; charset=utf-8'],
      ['/console', 'text/html; charset=utf-8'],
      ['/admin/', 'text/html; charset=utf-8'],
      ['/admin/index.html', 'text/html; charset=utf-8'],
      ['/admin/admin.js', 'text/javascript; charset=utf-8'],
      ['/admin/admin.css', 'text/css; charset=utf-8'],
      ['/console/console.js', 'text/javascript; charset=utf-8'],
      // Decoded before its kind is chosen: an encoded path is the same page with the same headers.
      ['/%61dmin/', 'text/html; charset=utf-8'],
    ] as const) {
      const reply = await get(path);
      expect(reply.status, path).toBe(200);
      expect(securityHeaders(reply.headers), path).toEqual({ 'content-type': type, ...PAGE_HEADERS });
    }
  });

  it('builds pages whose every script and style is a file, as the CSP requires', () => {
    const pages = ['index.html', 'console/index.html', 'admin/index.html'];
    for (const page of pages) {
      const html = readFileSync(join(dist, page), 'utf8');
      expect(inlineCodeIn(html), page).toEqual([]);
      expect(html, page).toMatch(/<link rel="stylesheet" href="\/pages.css" \/>/);
    }
    expect(readFileSync(join(dist, 'admin/index.html'), 'utf8')).toContain('<link rel="stylesheet" href="/admin/admin.css" />');
    // The check does find inline code.
    expect(inlineCodeIn('<p style="x" onclick="y()"><script>z()</script><style>a{}</style><a href="javascript:1">')).toHaveLength(5);
    expect(PAGE_CSP).not.toContain('unsafe-inline');
  });

  it("lets the pages reach the live socket: connect-src 'self' (the local socket is on this host), or with the WebSocket API's origin added", () => {
    const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((directive) => [directive.split(' ')[0], directive]));
    expect(directives(PAGE_CSP)['connect-src']).toBe("connect-src 'self'");
    const aws = pageCsp('wss://abc123.execute-api.eu-west-1.amazonaws.com');
    expect(directives(aws)['connect-src']).toBe("connect-src 'self' wss://abc123.execute-api.eu-west-1.amazonaws.com");
    // Nothing else changes.
    expect({ ...directives(aws), 'connect-src': '' }).toEqual({ ...directives(PAGE_CSP), 'connect-src': '' });
    for (const bad of ['https://abc.example', 'wss://*.example', "wss://a.example 'unsafe-inline'", 'wss://a.example/v1; script-src *']) {
      expect(() => pageCsp(bad), bad).toThrow(/ws\(s\):\/\/host/);
    }
  });

  it('serves widget.js (and its hashed copy) loadable by any site: no CSP, no framing rule, a cross-origin resource policy', async () => {
    for (const path of ['/widget.js', `/${web.versionedWidget}`]) {
      const reply = await get(path);
      expect(reply.status, path).toBe(200);
      expect(securityHeaders(reply.headers), path).toEqual({ 'content-type': 'text/javascript; charset=utf-8', ...SITE_HEADERS });
    }
  });

  it('leaves the root and other pages (stand-ins for customers\' pages) embeddable, with nosniff', async () => {
    for (const [path, type] of [
      ['/', 'text/html; charset=utf-8'],
      ['/host/', 'text/html; charset=utf-8'],
      ['/pages.css', 'text/css; charset=utf-8'],
    ] as const) {
      const reply = await get(path);
      expect(reply.status, path).toBe(200);
      expect(securityHeaders(reply.headers), path).toEqual({ 'content-type': type, ...SITE_HEADERS });
    }
  });

  it('sends a file of an unknown type as bytes to download, never sniffed; a missing file is a JSON 404', async () => {
    const unknown = await get('/notes.unknown');
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get('content-type')).toBe('application/octet-stream');
    expect(unknown.headers.get('x-content-type-options')).toBe('nosniff');
    for (const path of ['/nothing.html', '/%E0%A4%A.js', '/avatars/x/none.png']) {
      const missing = await get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get('content-type'), path).toBe('application/json');
      expect(missing.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('avatars', () => {
  it('stores only the image of a PNG followed by an HTML page, and serves it as a sandboxed, unsniffed image', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const upload = await api.call('POST', `/v1/sites/${siteId}/avatar`, {
      token: adminToken,
      raw: Buffer.concat([IMAGES.png, HTML_PAYLOAD]),
      headers: { 'content-type': 'image/png' },
    });
    expect(upload.status).toBe(200);
    const served = await get(upload.body.sharedAvatarUrl);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(IMAGES.png);
    expect(securityHeaders(served.headers)).toEqual({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'cross-origin-resource-policy': 'cross-origin',
    });
  });

  it.each(Object.entries(IMAGES))('keeps a whole %s as it is, and drops what follows it', async (name, image) => {
    const { siteId, adminToken } = await apiSite(api);
    const type = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' }[name as keyof typeof IMAGES];
    for (const raw of [image, Buffer.concat([image, HTML_PAYLOAD])]) {
      const upload = await api.call('POST', `/v1/sites/${siteId}/avatar`, { token: adminToken, raw, headers: { 'content-type': type } });
      expect(upload.status).toBe(200);
      const served = await get(upload.body.sharedAvatarUrl);
      expect(served.body).toEqual(image);
      expect(served.headers.get('content-type')).toBe(type);
    }
  });

  it('refuses an image cut short or broken with 415, and keeps the avatar it had', async () => {
    const { siteId, adminToken } = await apiSite(api);
    const before = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    for (const [raw, type] of [
      [IMAGES.png.subarray(0, IMAGES.png.length - 12), 'image/png'], // no IEND
      [Buffer.concat([IMAGES.png.subarray(0, 40), HTML_PAYLOAD]), 'image/png'],
      [IMAGES.jpeg.subarray(0, IMAGES.jpeg.length - 2), 'image/jpeg'], // no EOI
      [IMAGES.gif.subarray(0, IMAGES.gif.length - 1), 'image/gif'], // no trailer
      [IMAGES.webp.subarray(0, IMAGES.webp.length - 1), 'image/webp'], // shorter than its RIFF size
    ] as const) {
      const reply = await api.call('POST', `/v1/sites/${siteId}/avatar`, { token: adminToken, raw, headers: { 'content-type': type } });
      expect([reply.status, reply.body.error.code], type).toEqual([415, 'unsupported_media_type']);
    }
    const after = await api.call('GET', `/v1/sites/${siteId}/settings`, { token: adminToken });
    expect(after.body).toEqual(before.body);
  });
});

describe('API replies', () => {
  it('carry nosniff and no empty header (no Reporting-Endpoints), on success, error and CORS replies', async () => {
    const { siteId } = await apiSite(api, ['a']);
    const replies = [
      await api.call('GET', '/v1/health'),
      await api.call('GET', '/v1/openapi.json'),
      await api.call('GET', `/v1/sites/${siteId}/settings`),
      await api.call('GET', `/v1/sites/${siteId}/widget`, { headers: { origin: 'https://shop.example' } }),
      await api.call('POST', `/v1/sites/${siteId}/chats`, { body: { visitorId: 'v' } }),
      await api.call('GET', '/v1/nowhere'),
      await api.call('DELETE', '/v1/health'),
    ];
    for (const reply of replies) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.has('reporting-endpoints')).toBe(false);
      expect(reply.headers.has('report-to')).toBe(false);
      for (const [name, value] of reply.headers) expect(value.trim(), `${name} of a ${reply.status} reply`).not.toBe('');
    }
    const health = await api.call('GET', '/v1/health');
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(health.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(health.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

it('serves every file of the build with its type and nosniff', async () => {
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => /\.\w+$/.test(file) && file !== 'notes.unknown');
  expect(files.length).toBeGreaterThanOrEqual(8);
  const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
  for (const file of files) {
    const reply = await get(`/${file}`);
    expect(reply.status, file).toBe(200);
    expect(reply.headers.get('content-type'), file).toBe(`${TYPES[file.split('.').pop()!]}; charset=utf-8`);
    expect(reply.headers.get('x-content-type-options'), file).toBe('nosniff');
  }
});
