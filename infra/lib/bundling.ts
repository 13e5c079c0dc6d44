import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every Lambda of the pipeline is bundled, in one place: the CDK app
 * (WabaFunction) hands these options to NodejsFunction, and buildBundles()
 * (build-bundles.ts) runs esbuild with the same options outside the CDK, so
 * the local stack and the tests run the bundles that deploy.
 */

/** Each function's handler module, relative to the repository root (the keys name the bundles). */
export const LAMBDA_ENTRIES = {
  receiver: 'webhook-receiver/src/handler.ts',
  processor: 'db-processor/src/handler.ts',
  answerWorker: 'answer-worker/src/handler.ts',
  campaignSender: 'campaign-sender/src/handler.ts',
  migrate: 'db/src/migrate-handler.ts',
  maintenance: 'db/src/maintenance-handler.ts',
  mediaArchiver: 'media-archiver/src/handler.ts',
  mediaSweep: 'media-archiver/src/sweep-handler.ts',
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/**
 * esbuild emits ESM; CommonJS dependencies (pg, pino, kysely's CJS build)
 * call `require` and read `__dirname`, which ESM lacks: the banner defines them.
 */
export const ESM_BANNER = [
  "import { createRequire as __wabaCreateRequire } from 'node:module';",
  "import { fileURLToPath as __wabaFileURLToPath } from 'node:url';",
  "import { dirname as __wabaDirname } from 'node:path';",
  'const require = __wabaCreateRequire(import.meta.url);',
  'const __filename = __wabaFileURLToPath(import.meta.url);',
  'const __dirname = __wabaDirname(__filename);',
].join(' ');

/**
 * The bundling of every function: an ESM bundle for Node.js 22 built by the
 * local esbuild (no Docker), minified with source maps (no sources inside),
 * the AWS SDK left to the runtime.
 */
export const LAMBDA_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_BANNER,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // The runtime provides the AWS SDK v3; pg-native is pg's optional native binding.
  externalModules: ['@aws-sdk/*', 'pg-native'],
};
