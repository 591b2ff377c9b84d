/** How every function is bundled: the stack and the size check use the same settings. */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  // The Lambda runtime provides the AWS SDK v3.
  externalModules: ['@aws-sdk/*'],
} as const;

/** The largest bundle a function may have (minified, without source map). */
export const MAX_BUNDLE_BYTES = 300 * 1024;
