import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

/** Debian's Chromium, headless, with nothing that reaches outside this machine. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Written to test-output/screenshots (git-ignored); docs/ keeps a few for the README. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? false });
}

/**
 * Refuses the pages' live socket (/v1/live): each one is closed as it opens, so the console and
 * the widget run on their polling fallback, as they do when the socket cannot be reached. For
 * tests of what the pages show rather than how it reaches them, against a server with no live
 * notifier (a socket that authenticates but never pushes would leave the pages waiting for the
 * once-a-minute look), and for tests that count polls. Live push has its own tests
 * (live-push.test.ts, with polling off).
 */
export async function refuseLiveSocket(target: Page | BrowserContext) {
  await target.routeWebSocket(/\/v1\/live$/, (socket) => socket.close({ code: 1011, reason: 'refused by the test: polling only' }));
}

/**
 * The pages of one test file, each in a browser context of its own; what they refused under
 * their content security policy, and their script errors, are collected in `refused`.
 * `pollingOnly`: their live socket is refused (refuseLiveSocket).
 */
export function watchedPages(browser: () => Browser, options: { pollingOnly?: boolean } = {}) {
  const contexts: BrowserContext[] = [];
  const refused: string[] = [];
  return {
    refused,
    async newPage(): Promise<Page> {
      const context = await browser().newContext();
      contexts.push(context);
      if (options.pollingOnly) await refuseLiveSocket(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
      });
      page.on('pageerror', (error) => refused.push(`page error: ${error.message}`));
      return page;
    },
    async close() {
      for (const context of contexts) await context.close();
    },
  };
}

/** After the file's tests, closes what its beforeAll opened, in the order given (its pages, the browser, then the servers). */
export function closeAfterAll(opened: () => readonly ({ close(): Promise<unknown> } | undefined)[]) {
  afterAll(async () => {
    for (const resource of opened()) await resource?.close();
  });
}
