import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import pg from 'pg';
import { createDb, migrateToLatest, type Db } from '@waba/db';
import { registerDefaultOrganization } from '@waba/testing';
import { startEmbeddedPostgres, withDatabase } from '../../local/src/services/postgres';
import { startLatencyProxy } from './latency-proxy';

/** A database of the benchmark's own server. */
export interface BenchDatabase {
  name: string;
  url: string;
  db: Db;
  /** The pool under `db`, for tools that need a raw client (COPY). */
  pool: pg.Pool;
  /** Statements sent through `db` since the last `resetCount()` (BEGIN and COMMIT included). */
  statements(): number;
  resetCount(): void;
  /** Until `stop()`, data-modifying statements run under EXPLAIN (ANALYZE, BUFFERS). */
  profile(): { stop(): StatementProfile[] };
  drop(): Promise<void>;
}

export interface BenchPostgres {
  adminUrl: string;
  version: string;
  /** A migrated database holding the default organization, to clone from. */
  template: string;
  organizationId: string;
  /**
   * A fresh database cloned from the template (tens of milliseconds), reached
   * directly or, with `latencyMs`, through a proxy that delays every answer.
   */
  fresh(label: string, options?: { latencyMs?: number }): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** What EXPLAIN (ANALYZE, BUFFERS) said about one statement. */
export interface StatementProfile {
  statement: string;
  planningMs: number;
  executionMs: number;
  /** Shared buffers hit, read, dirtied, written (8 kB pages), summed over the plan's root. */
  buffers: { hit: number; read: number; dirtied: number; written: number };
  /** The plan's top node types, outermost first. */
  nodes: string[];
}

interface PlanNode {
  'Node Type': string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Shared Dirtied Blocks'?: number;
  'Shared Written Blocks'?: number;
  Plans?: PlanNode[];
}

const DATA_MODIFYING = /^\s*(insert|update|delete|with)\b/i;

function profileOf(text: string, explained: unknown): StatementProfile {
  const [root] = explained as [
    { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number },
  ];
  const nodes: string[] = [];
  for (let n: PlanNode | undefined = root!.Plan; n && nodes.length < 4; n = n.Plans?.[0]) {
    nodes.push(n['Node Type']);
  }
  const p = root!.Plan;
  return {
    statement: text.replace(/\s+/g, ' ').trim().slice(0, 60),
    planningMs: root!['Planning Time'],
    executionMs: root!['Execution Time'],
    buffers: {
      hit: p['Shared Hit Blocks'] ?? 0,
      read: p['Shared Read Blocks'] ?? 0,
      dirtied: p['Shared Dirtied Blocks'] ?? 0,
      written: p['Shared Written Blocks'] ?? 0,
    },
    nodes,
  };
}

/**
 * Wraps the query method of every client of `pool`: counts statements and,
 * while profiling, runs each data-modifying statement as EXPLAIN (ANALYZE,
 * BUFFERS), which executes it, and keeps the plan. The writers under test
 * do not read what their inserts and updates return, so they run unchanged.
 */
function instrument(pool: pg.Pool) {
  const state = { count: 0, profiling: false, profiles: [] as StatementProfile[] };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      state.count++;
      const [text, values] = args;
      if (!state.profiling || typeof text !== 'string' || !DATA_MODIFYING.test(text)) {
        return query(...args);
      }
      return (
        query(`explain (analyze, buffers, format json) ${text}`, values) as Promise<{
          rows: Array<Record<string, unknown>>;
        }>
      ).then((result) => {
        state.profiles.push(profileOf(text, result.rows[0]!['QUERY PLAN']));
        return result;
      });
    };
  });
  return state;
}

function openDatabase(url: string, name: string, dropIt: () => Promise<void>): BenchDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'waba-bench' });
  pool.on('error', () => undefined);
  const state = instrument(pool);
  const db = createDb({ pool });
  return {
    name,
    url,
    db,
    pool,
    statements: () => state.count,
    resetCount: () => void (state.count = 0),
    profile() {
      state.profiling = true;
      state.profiles = [];
      return {
        stop: () => {
          state.profiling = false;
          return state.profiles;
        },
      };
    },
    drop: async () => {
      await db.destroy();
      await dropIt();
    },
  };
}

/**
 * An embedded PostgreSQL for the benchmarks (the binaries `npm start` uses),
 * in a temporary data directory, with durable commits (fsync on) as in
 * production: a benchmark of commit-per-item writers against set-based ones
 * on a cluster that skips fsync would flatter the former.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const server = await startEmbeddedPostgres({ fsync: true });
  const adminUrl = server.adminUrl;
  try {
    const template = `waba_bench_template_${process.pid}`;
    await admin(adminUrl, (c) => c.query(`create database ${template}`));
    const setup = createDb({ connectionString: withDatabase(adminUrl, template), max: 1 });
    await migrateToLatest(setup);
    const organizationId = await registerDefaultOrganization(setup, 'bench');
    await setup.destroy();
    const version = await admin(
      adminUrl,
      async (c) =>
        (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v,
    );
    return {
      adminUrl,
      version,
      template,
      organizationId,
      async fresh(label, options = {}) {
        const name = `waba_bench_${label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
        await admin(adminUrl, (c) => c.query(`create database ${name} template ${template}`));
        const direct = new URL(withDatabase(adminUrl, name));
        const proxy = options.latencyMs
          ? await startLatencyProxy(
              { host: direct.hostname, port: Number(direct.port) },
              options.latencyMs,
            )
          : undefined;
        if (proxy) direct.port = String(proxy.port);
        return openDatabase(direct.toString(), name, async () => {
          await proxy?.close();
          await admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
        });
      },
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
