import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Db } from '@waba/db';
import { signPayload } from '@waba/whatsapp';
import { startBenchStack } from '../../bench/lib/bench-stack';
import { webhookBody } from '../../bench/lib/payloads';
import { percentileOf } from '../../bench/lib/stats';
import { queueDepth, sleep } from '../faults/fault-stack';
import { customerWebhook, postWebhook } from '../faults/meta-sender';
import { sqsClient } from '@waba/testing';

export interface LoadOptions {
  mode: 'steady' | 'burst';
  ratePerSecond?: number;
  durationSeconds: number;
  connections?: number;
}

export interface LoadResult {
  mode: 'steady' | 'burst';
  durationSeconds: number;
  sent: number;
  acknowledged: number;
  non2xx: number;
  errors: number;
  stored: number;
  lost: number;
  duplicated: number;
  achievedPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  postToRowMs: { p50: number; p99: number };
}

interface Webhook {
  raw: string;
  signature: string;
  sha256: string;
}

/** Distinct signed webhooks (mixed statuses and customer texts), made before the clock starts. */
function webhooks(secret: string, count: number): Webhook[] {
  return Array.from({ length: count }, () => {
    const raw = webhookBody('mixed');
    return {
      raw,
      signature: signPayload(raw, secret),
      sha256: createHash('sha256').update(raw).digest('hex'),
    };
  });
}

/** Every wamid a webhook carries (customer messages and statuses alike end as a messages row). */
function wamidsOf(raw: string): string[] {
  const payload = JSON.parse(raw) as {
    entry: Array<{
      changes: Array<{ value: { messages?: { id: string }[]; statuses?: { id: string }[] } }>;
    }>;
  };
  return payload.entry.flatMap((e) =>
    e.changes.flatMap((c) =>
      [...(c.value.messages ?? []), ...(c.value.statuses ?? [])].map((m) => m.id),
    ),
  );
}

/** Of the acknowledged webhooks: how many have their audit row and every item row, and rows beyond one. */
async function count(
  db: Db,
  acknowledged: readonly Webhook[],
): Promise<{ stored: number; duplicated: number }> {
  const audited = new Map<string, number>();
  const items = new Map<string, number>();
  const all = acknowledged.flatMap((w) => wamidsOf(w.raw));
  for (let i = 0; i < acknowledged.length; i += 5_000) {
    const shas = acknowledged.slice(i, i + 5_000).map((w) => w.sha256);
    const { rows } = await sql<{ sha: string; n: number }>`
      select body_sha256 as sha, count(*)::int as n from webhook_events
      where body_sha256 = any(${shas}::text[]) group by 1`.execute(db);
    for (const r of rows) audited.set(r.sha, r.n);
  }
  for (let i = 0; i < all.length; i += 5_000) {
    const { rows } = await sql<{ wamid: string; n: number }>`
      select wamid, count(*)::int as n from messages
      where wamid = any(${all.slice(i, i + 5_000)}::text[]) group by 1`.execute(db);
    for (const r of rows) items.set(r.wamid, r.n);
  }
  const stored = acknowledged.filter(
    (w) => audited.has(w.sha256) && wamidsOf(w.raw).every((id) => items.has(id)),
  ).length;
  const beyondOne = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n - 1, 0);
  return { stored, duplicated: beyondOne(audited) + beyondOne(items) };
}

/**
 * Samples POST → row latency while the load runs: a signed customer text
 * every 100 ms; one poller looks for all pending ones in `messages` every
 * 5 ms and records when each row became visible.
 */
async function probe(
  url: string,
  secret: string,
  db: Db,
  running: () => boolean,
): Promise<{ samples: number[]; sent: number; acknowledged: Webhook[] }> {
  const out = { samples: [] as number[], sent: 0, acknowledged: [] as Webhook[] };
  const pending = new Map<string, number>();
  const poller = (async () => {
    const deadline = () => !running() && Date.now() > stoppedAt + 120_000;
    let stoppedAt = Infinity;
    while (running() || (pending.size > 0 && !deadline())) {
      if (!running() && stoppedAt === Infinity) stoppedAt = Date.now();
      if (pending.size > 0) {
        const { rows } = await sql<{ wamid: string }>`
          select wamid from messages where wamid = any(${[...pending.keys()]}::text[])`.execute(db);
        const now = performance.now();
        for (const { wamid } of rows) {
          out.samples.push(now - pending.get(wamid)!);
          pending.delete(wamid);
        }
      }
      await sleep(5);
    }
  })();
  for (let i = 0; running(); i++) {
    const w = customerWebhook(`5511888${String(i).padStart(6, '0')}`, `probe ${i}`, secret);
    out.sent += 1;
    const start = performance.now();
    const status = await postWebhook(url, w).catch(() => 0);
    if (status === 200) {
      out.acknowledged.push(w);
      pending.set(w.wamid, start);
    }
    await sleep(100);
  }
  await poller;
  return out;
}

/**
 * A load run against a local stack of its own, on loopback: autocannon POSTs
 * distinct signed webhooks (steady: at `ratePerSecond`, default 500; burst:
 * as fast as `connections` allow), a prober samples POST → row latency, then
 * the run waits for the queue to drain and counts acknowledged webhooks
 * against what Postgres holds. The answer worker is stopped: this measures
 * the ingest path (the reply path is bench/webhook-to-reply.ts).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { stack, config } = await startBenchStack();
  try {
    await stack.answerWorker.stop();
    const rate = options.mode === 'steady' ? (options.ratePerSecond ?? 500) : undefined;
    const planned = Math.ceil((rate ?? 4_000) * options.durationSeconds * 1.1) + 1_000;
    const bodies = webhooks(config.appSecret, planned);
    const status = new Array<number>(bodies.length).fill(0);
    let next = 0;
    const url = `${stack.url}/webhook`;
    let running = true;
    const probing = probe(url, config.appSecret, stack.db, () => running);
    const result = await autocannon({
      url: stack.url,
      // autocannon paces each connection separately (one request in flight each): enough of
      // them that a slow answer on one does not pull the overall rate under the target.
      connections: options.connections ?? (options.mode === 'steady' ? 100 : 50),
      duration: options.durationSeconds,
      ...(rate === undefined ? {} : { overallRate: rate }),
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: '/webhook',
          setupRequest: (request, context) => {
            const i =
              next < bodies.length ? next++ : bodies.push(...webhooks(config.appSecret, 1)) - 1;
            next = Math.max(next, i + 1);
            context.i = i;
            const w = bodies[i]!;
            return {
              ...request,
              body: w.raw,
              headers: { 'content-type': 'application/json', 'x-hub-signature-256': w.signature },
            };
          },
          onResponse: (code, _body, context) => void (status[context.i as number] = code),
        },
      ],
    });
    running = false;
    const probes = await probing;

    const acknowledged = [
      ...bodies.filter((_, i) => status[i]! >= 200 && status[i]! < 300),
      ...probes.acknowledged,
    ];
    const sqs = sqsClient({ endpoint: stack.state.awsEndpoint, region: stack.state.region });
    const deadline = Date.now() + 180_000;
    let tally = await count(stack.db, acknowledged);
    while (
      (tally.stored < acknowledged.length ||
        (await queueDepth(sqs, stack.queues.ingest.url)) > 0) &&
      Date.now() < deadline
    ) {
      await sleep(1_000);
      tally = await count(stack.db, acknowledged);
    }
    const sorted = [...probes.samples].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      mode: options.mode,
      durationSeconds: result.duration,
      // Requests answered or failed; the few in flight when the clock stopped are not counted.
      sent: status.filter((code) => code > 0).length + result.errors + probes.sent,
      acknowledged: acknowledged.length,
      non2xx: result.non2xx + (probes.sent - probes.acknowledged.length),
      errors: result.errors,
      stored: tally.stored,
      lost: acknowledged.length - tally.stored,
      duplicated: tally.duplicated,
      achievedPerSecond: Math.round(acknowledged.length / result.duration),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      postToRowMs: { p50: round(percentileOf(sorted, 50)), p99: round(percentileOf(sorted, 99)) },
    };
  } finally {
    await stack.stop();
  }
}
