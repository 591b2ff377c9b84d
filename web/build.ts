/**
 * Builds the browser assets into web/dist: the embeddable widget (one IIFE script, shadow DOM,
 * no framework), the operator console and the admin page. `npm run build:web`; npm start, the
 * browser tests and the CDK app call it too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');
export const MAX_WIDGET_GZIP_BYTES = 15 * 1024;

const PAGES = ['console', 'admin'] as const;

export interface WebBuild {
  widgetBytes: number;
  widgetGzipBytes: number;
  /** The widget under its content-hashed name, for long caching. */
  versionedWidget: string;
}

/**
 * What in a page its content security policy (infra/web-headers.ts: scripts and styles from
 * files only) would refuse: inline scripts, event handler attributes, javascript: URLs, style
 * elements and attributes.
 */
export function inlineCodeIn(html: string): string[] {
  const found: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) if (!/\ssrc\s*=/i.test(tag)) found.push(tag);
  for (const [tag] of html.matchAll(/<style\b[^>]*>/gi)) found.push(tag);
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    for (const [, attribute] of tag.matchAll(/\s((?:on[a-z]+|style)\s*=)/gi)) found.push(attribute!);
  }
  for (const [url] of html.matchAll(/javascript:/gi)) found.push(url);
  return found;
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

/**
 * Builds into a fresh folder, then moves each file into `outDir` with an atomic rename and drops
 * what the new build no longer has: a server (or another build: two test files may build at
 * once) reading `outDir` meanwhile sees whole files, never a missing or half-written one.
 */
export async function buildWeb(outDir = WEB_DIST): Promise<WebBuild> {
  const staging = `${outDir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const result = await buildInto(staging);
    const built = filesUnder(staging);
    for (const file of built) {
      mkdirSync(dirname(join(outDir, file)), { recursive: true });
      renameSync(join(staging, file), join(outDir, file));
    }
    const kept = new Set(built);
    for (const file of filesUnder(outDir)) if (!kept.has(file)) rmSync(join(outDir, file), { force: true });
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function buildInto(outDir: string): Promise<WebBuild> {
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, minify: true, target: 'es2020', logLevel: 'silent' as const, legalComments: 'none' as const };
  await build({ ...common, entryPoints: [join(WEB_ROOT, 'src/widget/widget.ts')], outfile: join(outDir, 'widget.js'), format: 'iife' });
  for (const page of PAGES) {
    mkdirSync(join(outDir, page), { recursive: true });
    await build({ ...common, entryPoints: [join(WEB_ROOT, `src/${page}/${page}.ts`)], outfile: join(outDir, page, `${page}.js`), format: 'esm' });
    copyFileSync(join(WEB_ROOT, `src/${page}/index.html`), join(outDir, page, 'index.html'));
    const styles = join(WEB_ROOT, `src/${page}/${page}.css`);
    if (existsSync(styles)) copyFileSync(styles, join(outDir, page, `${page}.css`));
  }
  copyFileSync(join(WEB_ROOT, 'src/shared/pages.css'), join(outDir, 'pages.css'));
  copyFileSync(join(WEB_ROOT, 'src/index.html'), join(outDir, 'index.html'));
  for (const html of ['index.html', ...PAGES.map((page) => `${page}/index.html`)]) {
    const inline = inlineCodeIn(readFileSync(join(outDir, html), 'utf8'));
    if (inline.length) throw new Error(`${html} has inline code, which the pages' CSP refuses: ${inline.join(', ')}`);
  }

  const widget = readFileSync(join(outDir, 'widget.js'));
  const hash = createHash('sha256').update(widget).digest('hex').slice(0, 10);
  const versionedWidget = `widget.${hash}.js`;
  writeFileSync(join(outDir, versionedWidget), widget);
  const result = { widgetBytes: widget.length, widgetGzipBytes: gzipSync(widget, { level: 9 }).length, versionedWidget };
  if (result.widgetGzipBytes > MAX_WIDGET_GZIP_BYTES) {
    throw new Error(`widget.js is ${result.widgetGzipBytes} bytes gzipped, over the ${MAX_WIDGET_GZIP_BYTES} limit`);
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await buildWeb();
  console.log(
    `web/dist built: widget.js ${(result.widgetBytes / 1024).toFixed(1)} KB, ${(result.widgetGzipBytes / 1024).toFixed(1)} KB gzipped (limit ${MAX_WIDGET_GZIP_BYTES / 1024} KB), also as ${result.versionedWidget}`,
  );
}
