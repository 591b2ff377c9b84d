/**
 * `npm run size`: each function's bundle as deployed (minified, AWS SDK external) and the time
 * a fresh Node process takes to load it (the module-loading part of a cold start).
 */
import { execFileSync } from 'node:child_process';
import { MAX_BUNDLE_BYTES } from '../infra/bundling.js';
import { bundleFunction, functionNames } from './bundle-sizes.js';

function coldImportMs(file: string): number {
  const script = `const t = performance.now(); require(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const runs = [0, 1, 2].map(() =>
    Number(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } })),
  );
  return runs.sort((a, b) => a - b)[1]!;
}

const rows = [];
for (const name of functionNames()) {
  const { file, bytes } = await bundleFunction(name);
  rows.push({ function: name, 'bundle KB': Math.round(bytes / 102.4) / 10, 'cold import ms': Math.round(coldImportMs(file)) });
}
console.table(rows);
const largest = Math.max(...rows.map((row) => row['bundle KB']));
console.log(`largest bundle ${largest} KB (limit ${MAX_BUNDLE_BYTES / 1024} KB)`);
if (largest * 1024 > MAX_BUNDLE_BYTES) process.exitCode = 1;
