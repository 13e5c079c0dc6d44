import { mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_BUNDLING, LAMBDA_ENTRIES, type LambdaName } from '../lib/bundling';
import { buildBundles, esbuildOptions } from '../lib/build-bundles';
import { build, resourcesOf, stageInput, synth, type Synthesized } from './helpers/synth';

interface SourceMap {
  sources: string[];
  [key: string]: unknown;
}

/** A source map with its sources as absolute paths (they are relative to the map's directory). */
function sourceMapAt(file: string): SourceMap {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMap;
  return { ...map, sources: map.sources.map((source) => resolve(dirname(file), source)) };
}

const NAMES = Object.keys(LAMBDA_ENTRIES) as LambdaName[];

describe('buildBundles()', () => {
  let s: Synthesized;
  let built: Record<LambdaName, string>;

  beforeAll(async () => {
    // One synthesis with the CDK's esbuild bundling, one build with ours, side by side.
    s = synth(stageInput(), { bundle: true });
    built = await buildBundles(mkdtempSync(join(s.outdir, 'bundles-')));
  }, 240_000);
  afterAll(() => s?.dispose());

  /** The file the CDK app deploys for one function: its asset's index.mjs. */
  function deployedBundle(name: LambdaName): string {
    const fn = s.stack.functions[name];
    if (!fn) throw new Error(`the stack has no ${name} function`);
    const id = s.stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    const resource = resourcesOf(s.template, 'AWS::Lambda::Function')[id] as {
      Metadata?: Record<string, string>;
    };
    return join(s.outdir, resource.Metadata!['aws:asset:path']!, 'index.mjs');
  }

  it.each(NAMES)('%s: the bundle is the one the CDK app deploys, byte for byte', (name) => {
    expect(readFileSync(built[name]).equals(readFileSync(deployedBundle(name)))).toBe(true);
  });

  it.each(NAMES)('%s: its source map maps the same code to the same sources', (name) => {
    expect(sourceMapAt(built[name])).toEqual(sourceMapAt(deployedBundle(name)));
  });
});

describe("the stack's functions", () => {
  it('each runs the bundle of its name, the entry buildBundles() builds', () => {
    const { stack } = build(stageInput());
    const bundles = Object.entries(stack.functions).map(([name, fn]) => [name, fn?.bundle]);
    expect(Object.fromEntries(bundles)).toEqual(Object.fromEntries(NAMES.map((n) => [n, n])));
  });
});

describe('esbuildOptions()', () => {
  it('maps the bundling props to esbuild as the CDK passes them on its command line', () => {
    expect(esbuildOptions(LAMBDA_BUNDLING, '/repo/a/handler.ts', '/out/a')).toMatchObject({
      entryPoints: ['/repo/a/handler.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile: '/out/a/index.mjs',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      external: ['@aws-sdk/*', 'pg-native'],
      mainFields: ['module', 'main'],
      banner: { js: LAMBDA_BUNDLING.banner },
    });
  });

  it.each([
    ['command hooks', { commandHooks: { beforeBundling: () => [] } }],
    ['node modules installed beside the bundle', { nodeModules: ['pg'] }],
    ['raw esbuild arguments', { esbuildArgs: { '--log-limit': '0' } }],
  ])('refuses a prop it does not map (%s) rather than build another bundle', (_, extra) => {
    expect(() =>
      esbuildOptions({ ...LAMBDA_BUNDLING, ...(extra as object) }, '/repo/a.ts', '/out'),
    ).toThrow(/not mapped to esbuild/);
  });

  it('refuses to guess the externals (the CDK default depends on the runtime)', () => {
    expect(() =>
      esbuildOptions({ ...LAMBDA_BUNDLING, externalModules: undefined }, '/repo/a.ts', '/out'),
    ).toThrow(/externalModules/);
  });
});
