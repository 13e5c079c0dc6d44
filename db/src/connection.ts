import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { databaseUrlFromEnv } from '@waba/whatsapp/secrets';
import type { Database } from './database';

// Decided once for the whole project: int8 (ids, count(*)) comes back as a JS
// number. Our int8 values (identity ids, counters) stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface ConnectionOptions {
  connectionString: string;
  /** Pool size. In Lambda keep it small: concurrency x max must fit the server. */
  max?: number;
  /** Give up on a connection attempt after this long (ms), so a down database fails fast. */
  connectionTimeoutMillis?: number;
  applicationName?: string;
}

export function createPool(options: ConnectionOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'waba-pipeline',
  });
  // A client losing its server (restart, failover) must not crash the process: idle
  // clients report to the pool, checked-out ones to nobody (pg-pool removes its listener
  // on checkout), so each gets its own. Its query still rejects, and the caller retries.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDb(options: ConnectionOptions | { pool: pg.Pool }): Kysely<Database> {
  const pool = 'pool' in options ? options.pool : createPool(options);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export type Db = Kysely<Database>;

/**
 * The database of a consumer built from its environment: the shared one a
 * long-running process hands in, or a new pool on DATABASE_URL /
 * DATABASE_SECRET_ARN (`databaseUrlFromEnv`), read only when it is needed.
 */
export async function dbFromEnv(
  env: NodeJS.ProcessEnv,
  options: Omit<ConnectionOptions, 'connectionString'>,
  shared?: Db,
): Promise<Db> {
  return shared ?? createDb({ ...options, connectionString: await databaseUrlFromEnv(env) });
}
