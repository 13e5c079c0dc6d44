import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startChildService } from '../src/services/child-service';
import { freePort } from '../src/services/free-port';
import {
  installedBinariesDir,
  PLATFORM_PACKAGE,
  reachableBinariesDir,
} from '../src/services/postgres-binaries';

const asRoot = process.getuid?.() === 0;

/** Whether the `postgres` system user may execute `file` (as root only). */
function postgresUserCanRun(file: string): boolean {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', file]);
  return r.status === 0;
}

describe('reachableBinariesDir()', () => {
  let base: string;
  let privateInstall: string;
  let cacheRoot: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'waba-private-'));
    chmodSync(base, 0o755);
    // A checkout only root can enter, like a clone under /root or `mktemp -d`.
    const checkout = join(base, 'checkout');
    mkdirSync(checkout, { mode: 0o700 });
    privateInstall = join(checkout, 'node_modules', PLATFORM_PACKAGE);
    cpSync(installedBinariesDir(), privateInstall, { recursive: true, verbatimSymlinks: true });
    cacheRoot = join(base, 'cache');
    mkdirSync(cacheRoot, { mode: 0o755 });
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  if (!asRoot) {
    it('runs the installed binaries as they are when not root', () => {
      expect(reachableBinariesDir({ installed: privateInstall, cacheRoot })).toBeNull();
    });
    return;
  }

  it("runs a private checkout's server binaries from a root-owned copy the postgres user can reach", async () => {
    expect(postgresUserCanRun(join(privateInstall, 'native', 'bin', 'initdb'))).toBe(false);

    const dir = reachableBinariesDir({ installed: privateInstall, cacheRoot })!;

    expect(dir.startsWith(cacheRoot)).toBe(true);
    const s = statSync(dir);
    expect({ uid: s.uid, mode: s.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    expect(postgresUserCanRun(join(dir, 'native', 'bin', 'initdb'))).toBe(true);
    // The same version and content reuse the same copy.
    expect(reachableBinariesDir({ installed: privateInstall, cacheRoot })).toBe(dir);

    const dataRoot = mkdtempSync(join(base, 'data-'));
    chmodSync(dataRoot, 0o755);
    const port = await freePort();
    const server = await startChildService('postgres-server.mts', {
      PG_BINARIES_DIR: dir,
      PG_DATA_DIR: join(dataRoot, 'data'),
      PG_PORT: String(port),
      PG_PERSISTENT: 'false',
      PG_FSYNC: 'off',
    });
    try {
      const client = new Client({
        connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      });
      await client.connect();
      const bindir = await client.query<{ setting: string }>(
        `select setting from pg_config where name = 'BINDIR'`,
      );
      await client.end();
      expect(bindir.rows[0]!.setting).toBe(join(dir, 'native', 'bin'));
    } finally {
      await server.stop();
    }
  });

  it('refuses a copy that someone other than root could have changed', () => {
    const dir = reachableBinariesDir({ installed: privateInstall, cacheRoot })!;
    chmodSync(dir, 0o777);
    try {
      expect(() => reachableBinariesDir({ installed: privateInstall, cacheRoot })).toThrow(
        /writable by others; remove it/,
      );
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('says what to do when the temp folder itself is private', () => {
    const hidden = mkdtempSync(join(base, 'hidden-'));
    expect(() => reachableBinariesDir({ installed: privateInstall, cacheRoot: hidden })).toThrow(
      /set TMPDIR to a folder every user can enter/,
    );
  });
});
