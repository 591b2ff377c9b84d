import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { bundleFunction, functionNames } from '../../bench/bundle-sizes.js';
import { MAX_BUNDLE_BYTES } from '../../infra/bundling.js';
import { JOBS } from '../../infra/constructs/api.js';
import { ChatDistributionStack } from '../../infra/stack.js';
import { SOCKET_ROUTES } from '../../lib/live/socket-routes.js';
import { ENDPOINTS as ALL_ROUTES } from '../../lib/routes/index.js';

const JOB_NAMES = Object.values(JOBS).map((job) => job.name);
const SOCKET_NAMES = SOCKET_ROUTES.map((route) => route.name);

describe('function bundles', () => {
  it(`exist for every route, WebSocket route and job, and none is larger than ${MAX_BUNDLE_BYTES / 1024} KB minified`, async () => {
    const names = functionNames();
    expect(names).toEqual(expect.arrayContaining([...new Set(ALL_ROUTES.map((route) => route.name)), ...SOCKET_NAMES, ...JOB_NAMES]));
    for (const name of names) {
      const { bytes } = await bundleFunction(name);
      expect(bytes, name).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      expect(bytes, name).toBeGreaterThan(1024);
    }
  });

  // One esbuild run per function, one after another (a couple of seconds each on a small machine): more than the default timeout.
  it('synthesizes the whole app offline, bundling every function with esbuild', { timeout: 300_000 }, () => {
    const app = new App({ outdir: `${process.cwd()}/.bundles/cdk.out` });
    const stack = new ChatDistributionStack(app, 'Synth-dev', { envName: 'dev' });
    const assembly = app.synth();
    const artifact = assembly.getStackByName(stack.stackName);
    const functions = Object.values(
      artifact.template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>,
    ).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    // No web assets here: the functions are the service's own.
    expect(functions.length).toBe(new Set(ALL_ROUTES.map((route) => route.name)).size + SOCKET_NAMES.length + JOB_NAMES.length);
    for (const fn of functions) {
      const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
      expect(existsSync(join(assembly.directory, `asset.${hash}`, 'index.js')), hash).toBe(true);
    }
  });
});
