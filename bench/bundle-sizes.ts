import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLING } from '../infra/bundling.js';
import { PROJECT_ROOT } from '../infra/constructs/api.js';

export const BUNDLE_DIR = join(PROJECT_ROOT, '.bundles');

export function functionNames(): string[] {
  return readdirSync(join(PROJECT_ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
}

/** Bundles one function as the stack does (minified, the AWS SDK left to the runtime); returns the file and its size. */
export async function bundleFunction(name: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const file = join(BUNDLE_DIR, `${name}.cjs`);
  await build({
    entryPoints: [join(PROJECT_ROOT, 'functions', `${name}.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: BUNDLING.minify,
    target: BUNDLING.target,
    external: [...BUNDLING.externalModules],
    logLevel: 'silent',
  });
  return { file, bytes: statSync(file).size };
}
