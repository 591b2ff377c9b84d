/** How every function is bundled: the stack and the size check use the same settings. */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  // The Lambda runtime provides the AWS SDK v3.
  externalModules: ['@aws-sdk/*'],
} as const;

/**
 * The largest bundle a function may have (minified, without source map): above the largest
 * today (get-openapi, which carries every route's schemas and so their code, ~325 KB), low
 * enough to catch a bundled SDK or a stray dependency (those add megabytes).
 */
export const MAX_BUNDLE_BYTES = 400 * 1024;
