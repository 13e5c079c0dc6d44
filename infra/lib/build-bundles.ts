import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions } from 'esbuild';
import { LAMBDA_BUNDLING, LAMBDA_ENTRIES, type LambdaName } from './bundling';
import { REPO_ROOT, repoPath } from './paths';

/**
 * Options that change nothing in what esbuild writes when bundling locally
 * (Docker settings, the asset hash), beside those the mapping below reads.
 */
const WITHOUT_EFFECT = new Set<keyof BundlingOptions>([
  'forceDockerBundling',
  'dockerImage',
  'esbuildVersion',
  'buildArgs',
  'network',
  'securityOpt',
  'volumes',
  'volumesFrom',
  'user',
  'workingDirectory',
  'bundlingFileAccess',
  'assetHash',
]);

const MAPPED = new Set<keyof BundlingOptions>([
  'format',
  'target',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'externalModules',
  'loader',
  'define',
  'logLevel',
  'keepNames',
  'tsconfig',
  'metafile',
  'banner',
  'footer',
  'mainFields',
  'inject',
]);

/**
 * esbuild's options for one function, as NodejsFunction builds them from its
 * bundling props (aws-lambda-nodejs `Bundling.buildEsbuildArgs`: `--bundle
 * <entry> --platform=node --outfile=<dir>/index.mjs ...`, run in the project
 * root). A prop this mapping does not know (command hooks, nodeModules,
 * preCompilation, raw esbuildArgs) throws instead of being dropped, so the
 * bundle built here cannot silently differ from the one that deploys.
 */
export function esbuildOptions(
  bundling: BundlingOptions,
  entry: string,
  outDir: string,
): BuildOptions {
  const unknown = Object.keys(bundling).filter(
    (key) =>
      !MAPPED.has(key as keyof BundlingOptions) &&
      !WITHOUT_EFFECT.has(key as keyof BundlingOptions),
  );
  if (unknown.length)
    throw new Error(`bundling options not mapped to esbuild: ${unknown.join(', ')}`);
  if (!bundling.externalModules) {
    // CDK's default depends on the runtime and a feature flag: name the externals instead.
    throw new Error('bundling.externalModules must be set');
  }
  if (bundling.sourceMap === false && bundling.sourceMapMode) {
    throw new Error('sourceMapMode cannot be used when sourceMap is false');
  }
  const sourceMapMode = bundling.sourceMapMode ?? bundling.sourceMap;
  const esm = bundling.format === OutputFormat.ESM;
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    ...(bundling.target && { target: bundling.target }),
    ...(bundling.format && { format: bundling.format }),
    outfile: join(outDir, esm ? 'index.mjs' : 'index.js'),
    minify: bundling.minify ?? false,
    ...(sourceMapMode && {
      sourcemap:
        sourceMapMode === true || sourceMapMode === SourceMapMode.DEFAULT ? true : sourceMapMode,
    }),
    sourcesContent: bundling.sourcesContent ?? true,
    external: bundling.externalModules,
    ...(bundling.loader && { loader: bundling.loader as BuildOptions['loader'] }),
    ...(bundling.define && { define: bundling.define }),
    ...(bundling.logLevel && { logLevel: bundling.logLevel as BuildOptions['logLevel'] }),
    keepNames: bundling.keepNames ?? false,
    ...(bundling.tsconfig && { tsconfig: bundling.tsconfig }),
    metafile: bundling.metafile ?? false,
    ...(bundling.banner && { banner: { js: bundling.banner } }),
    ...(bundling.footer && { footer: { js: bundling.footer } }),
    ...(bundling.mainFields && { mainFields: bundling.mainFields }),
    ...(bundling.inject && { inject: bundling.inject }),
  };
}

/** Where buildBundles() put one function's bundle: `<outDir>/<name>/index.mjs`. */
export const bundleFile = (outDir: string, name: LambdaName): string =>
  join(outDir, name, LAMBDA_BUNDLING.format === OutputFormat.ESM ? 'index.mjs' : 'index.js');

/**
 * Builds the functions' bundles exactly as the CDK app does (the same
 * options, through esbuildOptions), one directory per function:
 * `<outDir>/<name>/index.mjs` and its source map. The AWS SDK stays
 * external, as on Lambda: run the bundles from a directory inside the
 * repository, where `@aws-sdk/*` resolves from node_modules.
 */
export async function buildBundles(
  outDir: string,
  names: readonly LambdaName[] = Object.keys(LAMBDA_ENTRIES) as LambdaName[],
): Promise<Record<LambdaName, string>> {
  const built = await Promise.all(
    names.map(async (name) => {
      const dir = join(outDir, name);
      const result = await build(
        esbuildOptions(LAMBDA_BUNDLING, repoPath(LAMBDA_ENTRIES[name]), dir),
      );
      // The CLI writes `--metafile=<dir>/index.meta.json`; the JS API returns it.
      if (result.metafile) {
        await writeFile(join(dir, 'index.meta.json'), JSON.stringify(result.metafile));
      }
      return [name, bundleFile(outDir, name)] as const;
    }),
  );
  return Object.fromEntries(built) as Record<LambdaName, string>;
}
