import type { SQSEvent } from 'aws-lambda';
import type { PoolClient } from 'pg';
import pino from 'pino';
import { pathToFileURL } from 'node:url';
import type { SqsProcessorDeps } from '@waba/db-processor';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import { sqsEvent, sqsRecord } from '@waba/testing';
import { bundle } from './lib/build';
import type * as ProcessorCore from './lib/processor-core';
import { MIXES, viaJson, webhookBody, type Mix } from './lib/payloads';
import {
  dumpTables,
  loadTables,
  rowCounts,
  tablesWithRows,
  truncateTables,
  type CopyTable,
} from './lib/pg-copy';
import type { BenchDatabase, BenchPostgres, StatementProfile } from './lib/postgres';
import { summarize, type Summary } from './lib/stats';

export interface ProcessorScenario {
  mix: Mix;
  batchSize: number;
  /** Delay added to every answer of Postgres (0: loopback). */
  latencyMs: number;
  samples: number;
  /** Items (statuses, customer messages) per second, per sample. */
  itemsPerSecond: Summary;
  naiveItemsPerSecond: Summary;
  copyItemsPerSecond: Summary;
  /** Milliseconds per batch of the real processor, per sample. */
  batchMs: Summary;
  /** CPU milliseconds the processor's own process spent per batch (parse, normalize, SQL building). */
  cpuMs: Summary;
  /** naive time / real time, per sample: how many times faster than the baseline. */
  speedupOverNaive: Summary;
  /** COPY time / real time, per sample: the share of the floor's speed reached. */
  shareOfCopy: Summary;
  /** Statements the processor sent per batch (BEGIN and COMMIT included), per sample. */
  statements: Summary;
  naiveStatements: Summary;
  /** The tables written, as COPY saw them. */
  tables: string[];
  /** One more batch with every write under EXPLAIN (ANALYZE, BUFFERS) (batch size 100 only). */
  profile?: { batchMs: number; statements: StatementProfile[] };
}

export interface ProcessorResult {
  itemsPerWebhook: number;
  scenarios: ProcessorScenario[];
}

let batchSeed = 0;

/** A batch as Lambda delivers it from the ingest queue: one SQS record per webhook, JSON-parsed. */
function ingestBatch(mix: Mix, size: number): SQSEvent {
  const receivedAt = new Date().toISOString();
  return viaJson(
    sqsEvent(
      Array.from({ length: size }, () =>
        sqsRecord(webhookBody(mix, 1, batchSeed++), { [A.receivedAt]: receivedAt }),
      ),
    ),
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Runs `fn` with a client of `d`'s pool. */
async function withClient<T>(d: BenchDatabase, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await d.pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

type Core = typeof ProcessorCore;

/**
 * The processor's core and the naive baseline as production runs code:
 * bundled with the production esbuild options (minified, without the
 * development transform's helpers, about 15% less CPU than under tsx).
 */
async function loadCore(): Promise<Core> {
  const built = await bundle('bench/lib/processor-core.ts', 'processor-core');
  return (await import(pathToFileURL(built.outfile).href)) as Core;
}

function processorDeps(core: Core, d: BenchDatabase): SqsProcessorDeps {
  return {
    db: core.createDb({ pool: d.pool }),
    payloads: { get: () => Promise.reject(new Error('no claim check in this benchmark')) },
    // The answer queue accepts at once: this measures the database work.
    answers: { enqueue: async () => undefined },
    logger: pino({ level: 'silent' }),
    answerDelaySeconds: 2,
  };
}

/**
 * One scenario, three writers side by side, each into a fresh migrated
 * database: the processor's core (processSqsEvent: parse, normalize, route,
 * the set-based writes, answer scheduling), the naive baseline, and COPY of
 * exactly the rows the processor stored. Before each sample the written
 * tables are emptied, so every writer starts from the same state.
 */
async function runScenario(
  core: Core,
  pg: BenchPostgres,
  mix: Mix,
  batchSize: number,
  samples: number,
  latencyMs = 0,
): Promise<ProcessorScenario> {
  const label = `${mix}_${batchSize}_${latencyMs}`;
  const fresh = (writer: string) => pg.fresh(`${writer}_${label}`, { latencyMs });
  const [real, naive, floor] = await Promise.all([fresh('real'), fresh('naive'), fresh('copy')]);
  const deps = processorDeps(core, real);
  const naiveDb = core.createDb({ pool: naive.pool });
  const seeded = new Set(
    (await withClient(real, (c) => tablesWithRows(c))).map((t: CopyTable) => t.name),
  );
  let written: CopyTable[] = [];
  let profile: ProcessorScenario['profile'];
  const s = {
    real: [] as number[],
    cpu: [] as number[],
    naive: [] as number[],
    copy: [] as number[],
    statements: [] as number[],
    naiveStatements: [] as number[],
  };
  try {
    // Sample 0 warms up every path and checks that the writers agree.
    for (let i = 0; i <= samples; i++) {
      const event = ingestBatch(mix, batchSize);
      const raws = await Promise.all(event.Records.map((r) => core.readRecord(r, deps.payloads)));
      for (const d of [real, naive, floor]) await withClient(d, (c) => truncateTables(c, written));

      real.resetCount();
      const cpu = process.cpuUsage();
      const r = await timed(() => core.processSqsEvent(event, deps));
      const cpuUsed = process.cpuUsage(cpu);
      if (r.value.batchItemFailures.length > 0) throw new Error(`${label}: records failed`);
      const statements = real.statements();

      if (i === 0) {
        written = (await withClient(real, (c) => tablesWithRows(c))).filter(
          (t) => !seeded.has(t.name),
        );
      }
      const dumps = await withClient(real, (c) => dumpTables(c, written));
      const c = await withClient(floor, (client) =>
        timed(() => loadTables(client, written, dumps)),
      );

      naive.resetCount();
      const n = await timed(() => core.writeNaively(naiveDb, raws));
      const naiveStatements = naive.statements();

      if (i === 0) {
        const [a, b] = await Promise.all(
          [real, naive].map((d) => withClient(d, (client) => rowCounts(client, written))),
        );
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          throw new Error(
            `${label}: the naive writer stored other rows: ${JSON.stringify(b)} vs ${JSON.stringify(a)}`,
          );
        }
        continue;
      }
      s.real.push(r.ms);
      s.cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
      s.naive.push(n.ms);
      s.copy.push(c.ms);
      s.statements.push(statements);
      s.naiveStatements.push(naiveStatements);
    }
    if (batchSize >= 100 && latencyMs === 0) {
      await withClient(real, (c) => truncateTables(c, written));
      const profiling = real.profile();
      const r = await timed(() => core.processSqsEvent(ingestBatch(mix, batchSize), deps));
      profile = { batchMs: r.ms, statements: profiling.stop() };
    }
  } finally {
    await Promise.all([real, naive, floor].map((d) => d.drop()));
  }
  const perSecond = (ms: number[]) => summarize(ms.map((m) => (batchSize / m) * 1000));
  return {
    mix,
    batchSize,
    latencyMs,
    samples,
    itemsPerSecond: perSecond(s.real),
    naiveItemsPerSecond: perSecond(s.naive),
    copyItemsPerSecond: perSecond(s.copy),
    batchMs: summarize(s.real),
    cpuMs: summarize(s.cpu),
    speedupOverNaive: summarize(s.naive.map((n, i) => n / s.real[i]!)),
    shareOfCopy: summarize(s.copy.map((c, i) => c / s.real[i]!)),
    statements: summarize(s.statements),
    naiveStatements: summarize(s.naiveStatements),
    tables: written.map((t) => t.name),
    profile,
  };
}

/**
 * Processor throughput against the COPY floor and the naive baseline, per
 * mix and batch size, on loopback; then at batch size 100 again with every
 * answer of Postgres delayed by 1 ms, as a network hop to RDS would.
 */
export async function runProcessor(
  pg: BenchPostgres,
  options: { quick: boolean },
): Promise<ProcessorResult> {
  const core = await loadCore();
  const scenarios: ProcessorScenario[] = [];
  for (const batchSize of [10, 100]) {
    for (const mix of MIXES) {
      const samples = options.quick ? 8 : batchSize === 10 ? 30 : 20;
      scenarios.push(await runScenario(core, pg, mix, batchSize, samples));
    }
  }
  for (const mix of MIXES) {
    scenarios.push(await runScenario(core, pg, mix, 100, options.quick ? 3 : 10, 1));
  }
  return { itemsPerWebhook: 1, scenarios };
}
