import { resolve } from 'node:path';
import { buildBundles } from '../lib/build-bundles';
import { repoPath } from '../lib/paths';

/** The default bundle directory, also the local stack's (LOCAL_BUNDLE_DIR). */
const DEFAULT_OUT_DIR = repoPath('dist', 'lambda');

// `npm run bundle [-- <dir>]`: the functions' bundles, as the CDK app builds them.
const outDir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT_DIR;
buildBundles(outDir).then(
  (built) => {
    for (const [name, file] of Object.entries(built)) process.stdout.write(`${name}\t${file}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
