// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { setTimeout as delay } from 'node:timers/promises';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sql } from 'kysely';
import { Client } from 'pg';
import { getAgentConfig, updateAgentConfig, type Db } from '@waba/db';
import { createLogger } from '@waba/whatsapp';
import { loadConfig, type StackConfig } from '../../local/src/config';
import { freePort } from '../../local/src/services/free-port';
import { startEmbeddedPostgres, type PostgresHandle } from '../../local/src/services/postgres';
import { sqsClient } from '@waba/testing';
import { startStack, type Stack } from '../../local/src/stack';
import type { Ledger } from './meta-sender';

export const APP_SECRET = 'fault-app-secret';

export interface FaultStack {
  stack: Stack;
  config: StackConfig;
  sqs: SQSClient;
  /** Warn and error log lines of the whole stack, parsed. */
  logs: Array<Record<string, unknown>>;
  /** The stack's Postgres server now (it changes when a scenario restarts it). */
  postgres: PostgresHandle;
  stop(): Promise<void>;
}

/**
 * A local stack of its own (embedded Postgres in a temporary directory, its
 * own SQS emulator) whose warn/error logs are kept in memory, so a scenario
 * can show the reason a record failed.
 */
export async function startFaultStack(env: Record<string, string> = {}): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'waba-fault-'));
  const { config } = loadConfig({
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'fault-verify',
    WHATSAPP_ACCESS_TOKEN: 'fault-access',
    ...env,
  });
  config.port = 0;
  config.embeddedPg = { dataDir: join(dir, 'pg'), port: await freePort() };
  config.stateFile = join(dir, 'stack.json');
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('fault-stack', {
    level: 'warn',
    destination: { write: (line: string) => void logs.push(JSON.parse(line)) },
  });
  const stack = await startStack(config, logger);
  const fault: FaultStack = {
    stack,
    config,
    sqs: sqsClient({ endpoint: stack.state.awsEndpoint, region: stack.state.region }),
    logs,
    postgres: stack.postgres!,
    async stop() {
      await stack.stop();
      // A server a scenario restarted is not the one the stack knows about.
      if (fault.postgres !== stack.postgres) await fault.postgres.stop();
    },
  };
  return fault;
}

/** The default organization's agent answers at once (no debounce window). */
export async function answerAtOnce(db: Db): Promise<void> {
  const org = await db
    .selectFrom('organizations')
    .select('id')
    .where('slug', '=', 'default')
    .executeTakeFirstOrThrow();
  await getAgentConfig(db, org.id);
  await updateAgentConfig(db, org.id, { debounce_seconds: 0, rate_limit_count: 1000 });
}

/**
 * Stops the stack's Postgres: `fast` is a clean shutdown (clients are cut,
 * running transactions roll back); `immediate` is SIGQUIT to the postmaster,
 * no checkpoint, crash recovery on the next start.
 */
export async function stopPostgres(f: FaultStack, mode: 'fast' | 'immediate'): Promise<void> {
  if (mode === 'fast') return f.postgres.stop();
  const client = new Client({ connectionString: f.postgres.adminUrl });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  // A backend's parent is the postmaster (read while the backend still lives).
  const status = readFileSync(`/proc/${rows[0]!.pid}/status`, 'utf8');
  await client.end().catch(() => undefined);
  const postmaster = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
  process.kill(postmaster, 'SIGQUIT');
  while (isAlive(postmaster)) await sleep(50);
  // The launcher process waits for a server that is gone: end it too.
  f.postgres.service?.process.kill('SIGKILL');
}

/** Starts Postgres again on the same data directory and port. */
export async function startPostgres(f: FaultStack): Promise<void> {
  f.postgres = await startEmbeddedPostgres({
    dataDir: f.config.embeddedPg.dataDir,
    port: f.config.embeddedPg.port,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => delay(ms);

/** Messages in a queue: visible, in flight and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

export interface Tally {
  /** Acknowledged webhooks whose message is in Postgres. */
  stored: number;
  /** Acknowledged and not stored. */
  lost: number;
  /** Rows beyond one per message or per audit key. */
  duplicated: number;
  /** Redeliveries the unique keys absorbed (audit rows' delivery_count above 1). */
  absorbed: number;
}

/** Counts what Postgres holds of the acknowledged webhooks (messages by wamid, audit rows by body). */
export async function tally(db: Db, ledger: Ledger): Promise<Tally> {
  const wamids = ledger.acknowledged.map((a) => a.wamid);
  const shas = ledger.acknowledged.map((a) => a.sha256);
  const messages = await sql<{ rows: number; distinct: number }>`
    select count(*)::int as rows, count(distinct wamid)::int as distinct
    from messages where wamid = any(${wamids}::text[])`.execute(db);
  const audit = await sql<{ rows: number; distinct: number; deliveries: number }>`
    select count(*)::int as rows, count(distinct (body_sha256, received_month))::int as distinct,
      coalesce(sum(delivery_count), 0)::int as deliveries
    from webhook_events where body_sha256 = any(${shas}::text[])`.execute(db);
  const m = messages.rows[0]!;
  const w = audit.rows[0]!;
  return {
    stored: m.distinct,
    lost: wamids.length - m.distinct,
    duplicated: m.rows - m.distinct + (w.rows - w.distinct),
    absorbed: w.deliveries - w.rows,
  };
}

/** Waits until every acknowledged webhook is stored and the ingest queue is empty, or the timeout. */
export async function drain(f: FaultStack, ledger: Ledger, timeoutMs = 120_000): Promise<Tally> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await tally(f.stack.db, ledger);
    const depth = await queueDepth(f.sqs, f.stack.queues.ingest.url);
    if ((t.lost === 0 && depth === 0) || Date.now() > deadline) return t;
    await sleep(250);
  }
}

/** Per customer due a reply: how many replies the Meta sandbox accepted for them. */
export interface Replies {
  count: Map<string, number>;
  /** Customers without a reply. */
  missing: string[];
  /** Customers with more than one. */
  twice: string[];
}

/**
 * Waits until every customer has a reply (or `timeoutMs`), then `settleMs`
 * more, so a second reply to anyone would be seen too.
 */
export async function awaitReplies(
  f: FaultStack,
  customers: readonly string[],
  timeoutMs = 90_000,
  settleMs = 4_000,
): Promise<Replies> {
  const replies = () => {
    const count = new Map<string, number>();
    for (const m of f.stack.sandbox!.messages()) count.set(m.to, (count.get(m.to) ?? 0) + 1);
    return count;
  };
  const deadline = Date.now() + timeoutMs;
  while (customers.some((c) => !replies().has(c)) && Date.now() < deadline) await sleep(250);
  await sleep(settleMs);
  const count = replies();
  return {
    count,
    missing: customers.filter((c) => !count.has(c)),
    twice: customers.filter((c) => (count.get(c) ?? 0) > 1),
  };
}

/** The verdict on replies: everyone due one got exactly one. */
export function replyViolations(r: Replies): string[] {
  return [
    ...(r.missing.length ? [`${r.missing.length} customer(s) never answered`] : []),
    ...(r.twice.length ? [`${r.twice.length} customer(s) answered more than once`] : []),
  ];
}
