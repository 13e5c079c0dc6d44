// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBundles, AS_BUILT } from './bundles';
import { runColdInit, type ColdInitResult } from './cold-init';
import { costModel, productionSizing, type CostResult } from './cost';
import { runEndToEnd } from './e2e';
import { runProcessor, type ProcessorResult } from './processor';
import { runReceiverCpu } from './receiver-cpu';
import { renderReport } from './report';
import type { BenchResults, Section } from './results';
import { runSqsClient } from './sqs-client';
import { runWorker } from './worker';
import { OUT_DIR, ROOT } from './lib/build';
import { machine } from './lib/markdown';
import { startBenchPostgres } from './lib/postgres';

const REPORT = join(ROOT, 'docs', 'benchmarks.md');
/** The raw results of the last run, for `--render`. */
const RESULTS = join(OUT_DIR, 'results.json');

async function section<T>(name: string, fn: () => Promise<T>): Promise<Section<T>> {
  const start = performance.now();
  process.stdout.write(`bench: ${name}…\n`);
  try {
    const value = await fn();
    const seconds = (performance.now() - start) / 1000;
    process.stdout.write(`bench: ${name} done in ${seconds.toFixed(0)} s\n`);
    return { ok: true, value, seconds };
  } catch (error) {
    process.stderr.write(`bench: ${name} failed: ${String((error as Error).stack ?? error)}\n`);
    return { ok: false, error: String((error as Error).message ?? error) };
  }
}

const failed = <T>(error: string): Section<T> => ({ ok: false, error });

/** Where the cost model gets its measured durations. */
function cost(r: Pick<BenchResults, 'coldInit' | 'processor' | 'worker'>): CostResult {
  if (!r.coldInit.ok || !r.processor.ok || !r.worker.ok) {
    throw new Error('needs the cold-init, processor and worker measurements');
  }
  const sizing = productionSizing();
  const cold = (lambda: string) =>
    r.coldInit.ok
      ? r.coldInit.value.cases.find((c) => c.lambda === lambda && c.variant === AS_BUILT)
      : undefined;
  const receiver = cold('webhook-receiver');
  const processorCold = cold('db-processor');
  const workerCold = cold('answer-worker');
  // The processor's batch through the 1 ms round-trip proxy when measured, else on loopback.
  const mixed =
    r.processor.value.scenarios.find((s) => s.mix === 'mixed' && s.latencyMs > 0) ??
    r.processor.value.scenarios.find((s) => s.mix === 'mixed' && s.batchSize === 100);
  if (!receiver || !processorCold || !workerCold || !mixed)
    throw new Error('a measurement is missing');
  const w = r.worker.value;
  return costModel({
    receiver: {
      memoryMb: sizing.receiver,
      invocationMs: receiver.warmEventMs.median,
      logBytes: receiver.logBytesPerInvocation,
    },
    processor: {
      memoryMb: sizing.processor,
      batchSize: mixed.batchSize,
      batchMs: mixed.batchMs.median,
      statements: mixed.statements.median,
      roundTripMs: mixed.latencyMs,
      logBytes: processorCold.logBytesPerInvocation,
    },
    worker: {
      memoryMb: sizing.worker,
      // The worker's share of a reply: the reply's latency after the row was stored (an upper bound).
      jobMs: Math.max(1, w.rulesTotalMs.median - w.postToRowMs.median),
      logBytes: workerCold.logBytesPerInvocation,
    },
    levers: sizing.levers,
  });
}

/**
 * Every benchmark, then docs/benchmarks.md. Quick by default (a few
 * minutes); `--full` runs more samples and longer loads (about 15 minutes);
 * `--render` rewrites the report from the last run's results.
 * Usage: npm run bench [-- --full | --render]
 */
async function main(): Promise<void> {
  // Strict: a mistyped option stops the run instead of running the quick mode.
  const { values: flags } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (flags.render) {
    // Re-writes the report from the last run's results, without measuring again.
    const saved = JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchResults;
    saved.started = new Date(saved.started);
    saved.finished = new Date(saved.finished);
    // The cost model and the prod stage may have changed since: priced again from the measurements.
    saved.cost = await section('cost model', async () => cost(saved));
    writeFileSync(REPORT, renderReport(saved));
    process.stdout.write(`bench: wrote ${REPORT} from ${RESULTS}\n`);
    return;
  }
  const mode = flags.full ? 'full' : 'quick';
  const quick = mode === 'quick';
  const started = new Date();
  const m = machine();

  const bundles = await section('bundles', runBundles);
  const receiverCpu = await section('receiver CPU', () => runReceiverCpu({ quick }));
  const sqsClient = await section('SQS client', () => runSqsClient({ quick }));
  let postgres: string | undefined;
  let coldInit: Section<ColdInitResult> = failed('Postgres did not start');
  let processor: Section<ProcessorResult> = failed('Postgres did not start');
  const pg = await section('embedded Postgres', startBenchPostgres);
  if (pg.ok) {
    postgres = pg.value.version;
    try {
      coldInit = bundles.ok
        ? await section('cold init', () =>
            runColdInit(
              bundles.value.sizes.map(({ lambda, variant, outfile }) => ({
                lambda,
                variant,
                outfile,
              })),
              { quick, pg: pg.value },
            ),
          )
        : failed('no bundles');
      processor = await section('processor', () => runProcessor(pg.value, { quick }));
    } finally {
      await pg.value.stop();
    }
  }
  const worker = await section('answer worker', () => runWorker({ quick }));
  const e2e = await section('end to end', () => runEndToEnd({ quick }));
  const costs = await section('cost model', async () => cost({ coldInit, processor, worker }));

  const results: BenchResults = {
    mode,
    started,
    finished: new Date(),
    machine: m,
    loadAfter: machine().loadAverage,
    postgres,
    bundles,
    receiverCpu,
    sqsClient,
    coldInit,
    processor,
    worker,
    e2e,
    cost: costs,
  };
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 1));
  writeFileSync(REPORT, renderReport(results));
  process.stdout.write(`bench: wrote ${REPORT}\n`);
  const failures = Object.entries(results).filter(
    ([, v]) => typeof v === 'object' && v !== null && 'ok' in v && v.ok === false,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
