import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import { DEFAULT_PHONE_NUMBER_ID, sqsEvent, sqsRecord } from '@waba/testing';
import { signedEvent } from './receiver-cpu';
import { OUT_DIR, PRODUCTION_NODE_OPTIONS, type LambdaName } from './lib/build';
import { startFakeSqs } from './lib/fake-sqs';
import { webhookBody } from './lib/payloads';
import type { BenchPostgres } from './lib/postgres';
import { summarize, type Summary } from './lib/stats';

/** A bundle to start cold: which Lambda, built how. */
export interface ColdTarget {
  lambda: LambdaName | typeof FLOOR;
  variant: string;
  outfile: string;
}

export interface ColdInitCase extends Omit<ColdTarget, 'outfile'> {
  /** Process start to exit after the first event, wall clock. */
  wallMs: Summary;
  /** wallMs minus the bare Node start measured in the same round. */
  overBareMs: Summary;
  /** Inside the process: import of the bundle, the first (cold) event, a second (warm) one. */
  importMs: Summary;
  firstEventMs: Summary;
  warmEventMs: Summary;
  /** Bytes of log lines the function wrote per invocation (what CloudWatch ingests). */
  logBytesPerInvocation: number;
}

export interface ColdInitResult {
  runs: number;
  /** `node -e 0`, start to exit. */
  bareMs: Summary;
  cases: ColdInitCase[];
  skipped: string[];
}

const RUNNER = join(__dirname, 'lib', 'cold-runner.mjs');

/** An ESM module whose handler does nothing: what importing any handler costs Node itself. */
export const FLOOR = 'empty ESM handler';

function floorTarget(): ColdTarget {
  const outfile = join(OUT_DIR, 'empty-handler.mjs');
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(outfile, 'export const handler = async () => ({ statusCode: 200 });\n');
  return { lambda: FLOOR, variant: 'harness floor', outfile };
}

interface RunnerReport {
  startupMs: number;
  importMs: number;
  firstEventMs: number;
  warmEventMs: number;
  result: { statusCode?: number; batchItemFailures?: unknown[] };
}

/** Spawns node with `args`; resolves with the wall time to exit and the runner's report. */
function spawnTimed(
  args: string[],
  env: Record<string, string>,
): Promise<{ ms: number; report?: RunnerReport; logBytes: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      const lines = out.split('\n');
      const line = lines.find((l) => l.startsWith('{"coldRunner"'));
      resolve({
        ms,
        report: line ? (JSON.parse(line) as { coldRunner: RunnerReport }).coldRunner : undefined,
        logBytes: lines
          .filter((l) => l.startsWith('{"level"'))
          .reduce((n, l) => n + Buffer.byteLength(l) + 1, 0),
      });
    });
  });
}

/** What Lambda's environment holds that the handlers read, pointed at local fakes. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: PRODUCTION_NODE_OPTIONS,
    LOG_LEVEL: 'info',
  };
}

function writeEvent(name: string, event: unknown): string {
  const dir = join(OUT_DIR, 'events');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(event));
  return file;
}

/** The event and environment each Lambda is started with. */
async function setups(
  sqsEndpoint: string,
  pg: BenchPostgres | undefined,
): Promise<Partial<Record<ColdTarget['lambda'], { event: string; env: Record<string, string> }>>> {
  const secret = 'bench-cold-secret';
  const aws = { ...baseEnv(), AWS_ENDPOINT_URL_SQS: sqsEndpoint, AWS_ENDPOINT_URL_S3: sqsEndpoint };
  const out: Partial<Record<ColdTarget['lambda'], { event: string; env: Record<string, string> }>> =
    {
      'webhook-receiver': {
        event: writeEvent('receiver', signedEvent(webhookBody('status-heavy', 1), secret)),
        env: {
          ...aws,
          WHATSAPP_APP_SECRET: secret,
          WHATSAPP_VERIFY_TOKEN: 'bench',
          INGEST_QUEUE_URL: `${sqsEndpoint}/000000000000/waba-ingest`,
          PAYLOAD_BUCKET: 'waba-payloads',
        },
      },
    };
  out[FLOOR] = out['webhook-receiver'];
  if (!pg) return out;
  const database = await pg.fresh('cold_init');
  await database.db.destroy();
  const dbEnv = { ...aws, DATABASE_URL: database.url, DB_POOL_MAX: '1' };
  out['db-processor'] = {
    event: writeEvent(
      'processor',
      sqsEvent([
        sqsRecord(webhookBody('status-heavy', 1), { [A.receivedAt]: new Date().toISOString() }),
      ]),
    ),
    env: { ...dbEnv, ANSWER_QUEUE_URL: `${sqsEndpoint}/000000000000/waba-answer` },
  };
  out['answer-worker'] = {
    event: writeEvent(
      'worker',
      sqsEvent([
        sqsRecord({
          organizationId: pg.organizationId,
          phoneNumberId: DEFAULT_PHONE_NUMBER_ID,
          contactWaId: '5511900000001',
          enqueuedAt: new Date().toISOString(),
        }),
      ]),
    ),
    env: {
      ...dbEnv,
      WHATSAPP_ACCESS_TOKEN: 'bench',
      WHATSAPP_GRAPH_URL: sqsEndpoint,
      ANSWER_QUEUE_URL: `${sqsEndpoint}/000000000000/waba-answer`,
    },
  };
  return out;
}

function succeeded(report: RunnerReport | undefined): boolean {
  const r = report?.result;
  return (
    r?.statusCode === 200 ||
    (Array.isArray(r?.batchItemFailures) && r.batchItemFailures.length === 0)
  );
}

/**
 * Cold init of each bundle: a fresh Node process imports it and handles one
 * event, as a Lambda sandbox's first invocation does; the same round also
 * times a bare `node -e 0`, which is subtracted. Rounds alternate between
 * the targets so that machine noise spreads over all of them.
 */
export async function runColdInit(
  targets: readonly ColdTarget[],
  options: { quick: boolean; pg?: BenchPostgres },
): Promise<ColdInitResult> {
  const runs = options.quick ? 10 : 25;
  const sqs = await startFakeSqs();
  try {
    const byLambda = await setups(sqs.endpoint, options.pg);
    const all = [floorTarget(), ...targets];
    const runnable = all.filter((t) => byLambda[t.lambda]);
    const skipped = all
      .filter((t) => !byLambda[t.lambda])
      .map((t) => `${t.lambda} (${t.variant}): no event to start it with`);
    const bare: number[] = [];
    const samples = runnable.map(() => ({
      wall: [] as number[],
      over: [] as number[],
      import: [] as number[],
      first: [] as number[],
      warm: [] as number[],
      logBytes: [] as number[],
    }));
    // Round 0 fills the file cache and is not counted.
    for (let r = 0; r <= runs; r++) {
      const b = (await spawnTimed(['-e', '0'], { PATH: process.env.PATH ?? '' })).ms;
      if (r > 0) bare.push(b);
      for (const [i, t] of runnable.entries()) {
        const setup = byLambda[t.lambda]!;
        const { ms, report, logBytes } = await spawnTimed(
          [RUNNER, t.outfile, setup.event],
          setup.env,
        );
        if (!succeeded(report)) {
          throw new Error(
            `${t.lambda} (${t.variant}) did not handle its event: ${JSON.stringify(report)}`,
          );
        }
        if (r === 0) continue;
        const s = samples[i]!;
        s.wall.push(ms);
        s.over.push(ms - b);
        s.import.push(report!.importMs);
        s.first.push(report!.firstEventMs);
        s.warm.push(report!.warmEventMs);
        // The runner handles two events.
        s.logBytes.push(logBytes / 2);
      }
    }
    return {
      runs,
      bareMs: summarize(bare),
      skipped,
      cases: runnable.map((t, i) => ({
        lambda: t.lambda,
        variant: t.variant,
        wallMs: summarize(samples[i]!.wall),
        overBareMs: summarize(samples[i]!.over),
        importMs: summarize(samples[i]!.import),
        firstEventMs: summarize(samples[i]!.first),
        warmEventMs: summarize(samples[i]!.warm),
        logBytesPerInvocation: summarize(samples[i]!.logBytes).median,
      })),
    };
  } finally {
    await sqs.close();
  }
}
