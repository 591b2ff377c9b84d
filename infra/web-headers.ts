/**
 * The security headers of what is served besides the API: our pages, the widget script and the
 * avatars. One description for the local server (infra/local/server.ts) and for CloudFront's
 * response-headers policies (infra/constructs/hosting.ts), which add HSTS (HTTPS only there).
 *
 * - Pages (console, admin): scripts and styles only from files of this origin (no inline code,
 *   no eval), Trusted Types for the DOM sinks, never framed, no referrer.
 * - The widget script and the rest of the site: loadable from any site (third-party pages run
 *   widget.js, so nothing here may carry a same-origin resource policy), never sniffed.
 * - Avatars: images uploaded by admins and shown by third-party pages: never sniffed, and opened
 *   on their own they are a sandboxed document (no script, an opaque origin).
 *
 * Locally the root is the demo shop, which stands for a customer's page (inline style, the widget
 * embedded), so only /console/ and /admin/ get the page policy there. In AWS the root is our
 * index page: CloudFront's default behaviour serves it with the pages, pages.css and widget.js,
 * so it sends the page policy on all of them (a CSP or a framing rule does nothing to a script or a
 * style sheet) plus a cross-origin resource policy for widget.js; only avatars differ.
 */

/**
 * The content security policy of our pages. `liveOrigin`: where the console's live socket is
 * when it is not on this origin. Locally the socket is on the API's own host and port
 * (ws://<host>/v1/live), which `connect-src 'self'` already allows (CSP Level 3 matches ws: and
 * wss: to the page's own host; Chromium does, test/e2e/csp.test.ts checks it). In AWS the socket
 * is the WebSocket API (LIVE_URL, wss://<api id>.execute-api.<region>.amazonaws.com/<stage>),
 * another host: CloudFront's page policy must then be built with `pageCsp('wss://<that host>')`
 * (a CDK token is fine here), else the console stays on its polling fallback. Only a ws: or wss:
 * origin is taken (scheme, host, optional port; no path, no wildcard).
 */
export function pageCsp(liveOrigin?: string): string {
  if (liveOrigin !== undefined && !/^wss?:\/\/[^\s/;,'*]+$/.test(liveOrigin) && !liveOrigin.includes('${Token[')) {
    throw new Error(`pageCsp: the live origin must be ws(s)://host[:port], not ${JSON.stringify(liveOrigin)}`);
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // data: for the admin page's empty favicon; avatars are under /avatars on this origin.
    "img-src 'self' data:",
    liveOrigin ? `connect-src 'self' ${liveOrigin}` : "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** The pages' policy when the live socket is on their own origin (locally; in AWS, see pageCsp). */
export const PAGE_CSP = pageCsp();

export const AVATAR_CSP = 'sandbox';

/** The paths of the pages (locally; in CloudFront the default behaviour). */
export const PAGE_PREFIXES = ['/console/', '/admin/'] as const;
/** The path of the avatars, locally and in CloudFront (a behaviour of its own). */
export const AVATAR_PREFIX = '/avatars/';

export const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

export type WebResourceKind = 'page' | 'site' | 'avatar';

/** The kind of a path as served (decoded and normalised: /%63onsole/ is the console too). */
export function webResourceKind(pathname: string): WebResourceKind {
  if (pathname.startsWith(AVATAR_PREFIX)) return 'avatar';
  if (PAGE_PREFIXES.some((prefix) => pathname.startsWith(prefix) || pathname === prefix.slice(0, -1))) return 'page';
  return 'site';
}

/** The headers of each kind, but Content-Type, Cache-Control and HSTS. */
export const WEB_HEADERS: Record<WebResourceKind, Readonly<Record<string, string>>> = {
  page: {
    'Content-Security-Policy': PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  },
  site: {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  },
  avatar: {
    'Content-Security-Policy': AVATAR_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  },
};
