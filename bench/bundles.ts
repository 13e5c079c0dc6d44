import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, presentLambdas, ROOT, sideEffectFree, type LambdaName } from './lib/build';

export interface BundleSize {
  lambda: LambdaName;
  /** How it was built: the production build, the SDK bundled in, or a proposed change. */
  variant: string;
  outfile: string;
  bytes: number;
  /** The largest contributors, bytes in the output. */
  top: Array<{ name: string; bytes: number }>;
}

export interface BundlesResult {
  sizes: BundleSize[];
  missing: string[];
}

export const AS_BUILT = 'production build (SDK external)';
export const SDK_BUNDLED = 'AWS SDK bundled in';
export const PROPOSED = 'proposed: @waba/whatsapp "sideEffects": false';

/** True when @waba/whatsapp already tells bundlers its modules have no side effects. */
function whatsappDeclaresSideEffects(): boolean {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'whatsapp', 'package.json'), 'utf8')) as {
    sideEffects?: unknown;
  };
  return pkg.sideEffects !== undefined;
}

/**
 * Each Lambda bundled as production does (the AWS SDK external, since the
 * Lambda runtime provides it), and with the SDK bundled in. While
 * @waba/whatsapp has no `sideEffects` field, also the receiver as it would
 * be with one: the barrel file then stops pulling the zod schemas in.
 */
export async function runBundles(): Promise<BundlesResult> {
  const sizes: BundleSize[] = [];
  const present = presentLambdas();
  for (const l of present) {
    for (const [variant, sdk] of [
      [AS_BUILT, 'external'],
      [SDK_BUNDLED, 'bundled'],
    ] as const) {
      const b = await bundle(l.entry, `${l.name}-${sdk}`, sdk);
      sizes.push({
        lambda: l.name,
        variant,
        outfile: b.outfile,
        bytes: b.bytes,
        top: b.byPackage.slice(0, 5),
      });
    }
    if (l.name === 'webhook-receiver' && !whatsappDeclaresSideEffects()) {
      const b = await bundle(l.entry, `${l.name}-proposed`, 'external', [
        sideEffectFree('whatsapp/src'),
      ]);
      sizes.push({
        lambda: l.name,
        variant: PROPOSED,
        outfile: b.outfile,
        bytes: b.bytes,
        top: b.byPackage.slice(0, 5),
      });
    }
  }
  const missing = ['campaign-sender']
    .filter((name) => !present.some((l) => l.name === name))
    .map((name) => `${name}: no handler file yet`);
  return { sizes, missing };
}
