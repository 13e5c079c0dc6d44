import { resolve } from 'node:path';
import { DEFAULT_BUNDLE_DIR } from '../../local/src/config';
import { buildBundles } from '../lib/build-bundles';
import { repoPath } from '../lib/paths';

// `npm run bundle [-- <dir>]`: the functions' bundles, as the CDK app builds them, by default
// where the local stack's LOCAL_HANDLERS=bundle looks for them.
const outDir = process.argv[2] ? resolve(process.argv[2]) : repoPath(DEFAULT_BUNDLE_DIR);
buildBundles(outDir).then(
  (built) => {
    for (const [name, file] of Object.entries(built)) process.stdout.write(`${name}\t${file}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
