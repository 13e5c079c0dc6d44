import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { postCustomerText, startBenchStack } from './lib/bench-stack';
import { percentiles } from './lib/stats';
import type { Stack } from '../local/src/stack';

/**
 * Latency from a signed POST on the local stack to its row being visible in
 * `messages`, one webhook at a time (the processor's batching window included).
 */
export async function measurePostToRow(
  stack: Stack,
  secret: string,
  count: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const body = `latency probe ${i} ${Date.now()}`;
    const start = performance.now();
    await postCustomerText(stack, secret, '5511900000000', body);
    while (
      (await sql`select 1 from messages where body = ${body}`.execute(stack.db)).rows.length === 0
    ) {
      await sleep(2);
    }
    latencies.push(performance.now() - start);
  }
  return latencies;
}

/** Usage: npm run bench:latency [-- <count>] */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const { stack, config } = await startBenchStack();
  let latencies: number[];
  try {
    latencies = await measurePostToRow(stack, config.appSecret, count);
  } finally {
    await stack.stop();
  }
  console.log(
    `POST → row visible in messages, ${count} webhooks one at a time (batching window ${config.ingest.windowSeconds * 1000} ms):`,
  );
  console.log(`  ${percentiles(latencies)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
