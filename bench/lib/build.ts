import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

export const ROOT = resolve(__dirname, '..', '..');

/**
 * Where bundles go: inside the repository's node_modules, so that the AWS
 * SDK left external resolves from the bundle as it does from /var/runtime
 * in Lambda.
 */
export const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'waba-bench');

/** The Lambda functions of the repository, by the handler file production bundles. */
export const LAMBDAS = [
  { name: 'webhook-receiver', entry: 'webhook-receiver/src/handler.ts', memoryMb: 256 },
  { name: 'db-processor', entry: 'db-processor/src/handler.ts', memoryMb: 512 },
  { name: 'answer-worker', entry: 'answer-worker/src/handler.ts', memoryMb: 512 },
  { name: 'campaign-sender', entry: 'campaign-sender/src/handler.ts', memoryMb: 512 },
] as const;

export type LambdaName = (typeof LAMBDAS)[number]['name'];

/** The Lambdas whose handler file exists in this checkout. */
export function presentLambdas(): Array<(typeof LAMBDAS)[number]> {
  return LAMBDAS.filter((l) => existsSync(join(ROOT, l.entry)));
}

/**
 * esbuild options as production bundles a Lambda (infra's WabaFunction, a
 * CDK NodejsFunction): Node 22, ESM with a banner that gives CommonJS
 * dependencies `require`, `__filename` and `__dirname`, minified, `module`
 * before `main` so ESM builds of dependencies tree-shake, an external source
 * map without sources. The AWS SDK is external by default because the
 * Lambda runtime provides it.
 */
export function productionOptions(sdk: 'external' | 'bundled'): BuildOptions {
  return {
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    sourcemap: true,
    sourcesContent: false,
    banner: {
      js: [
        "import { createRequire as __bRequire } from 'node:module';",
        "import { fileURLToPath as __bPath } from 'node:url';",
        "import { dirname as __bDir } from 'node:path';",
        'const require = __bRequire(import.meta.url); const __filename = __bPath(import.meta.url);',
        'const __dirname = __bDir(__filename);',
      ].join(' '),
    },
    external: sdk === 'external' ? ['@aws-sdk/*', 'pg-native'] : ['pg-native'],
    logLevel: 'error',
    metafile: true,
  };
}

/** What production sets for every function (infra's WabaFunction). */
export const PRODUCTION_NODE_OPTIONS = '--enable-source-maps';

export interface BuiltBundle {
  outfile: string;
  bytes: number;
  /** Bytes in the output per package (or workspace folder), largest first. */
  byPackage: Array<{ name: string; bytes: number }>;
}

function packageOf(input: string): string {
  const nm = input.lastIndexOf('node_modules/');
  if (nm < 0) return input.split('/')[0] ?? input;
  const parts = input.slice(nm + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function byPackage(metafile: Metafile, outfile: string): BuiltBundle['byPackage'] {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(ROOT, path) === outfile);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.[1].inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * What-if: treats every module under `folder` as free of side effects, as
 * `"sideEffects": false` in that package's package.json would, so esbuild
 * drops the modules of a barrel file that nothing uses.
 */
export function sideEffectFree(folder: string): Plugin {
  const marker = `/${folder}/`;
  return {
    name: 'side-effect-free',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          with: args.with,
          pluginData: 'inner',
        });
        if (r.errors.length > 0 || !r.path.includes(marker)) return undefined;
        return { ...r, sideEffects: false };
      });
    },
  };
}

/** Bundles `entry` (relative to the repository root) into OUT_DIR/`name`.mjs. */
export async function bundle(
  entry: string,
  name: string,
  sdk: 'external' | 'bundled' = 'external',
  plugins: Plugin[] = [],
): Promise<BuiltBundle> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${name}.mjs`);
  const result = await build({
    ...productionOptions(sdk),
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    plugins,
  });
  return {
    outfile,
    bytes: statSync(outfile).size,
    byPackage: byPackage(result.metafile!, outfile),
  };
}
