import { updateAgentConfig } from '@waba/db';
import type { StackConfig } from '../local/src/config';
import type { Stack } from '../local/src/stack';
import { postCustomerText, startBenchStack } from './lib/bench-stack';
import { percentiles } from './lib/stats';

/** The default organization's id, with its debounce window set to 0 so only the pipeline is timed. */
export async function withoutDebounce(stack: Stack): Promise<string> {
  const org = await stack.db
    .selectFrom('organizations')
    .select('id')
    .where('slug', '=', 'default')
    .executeTakeFirstOrThrow();
  await updateAgentConfig(stack.db, org.id, { debounce_seconds: 0 });
  return org.id;
}

/**
 * Time from a customer's signed webhook to the reply arriving at the Meta
 * sandbox, one conversation at a time: receiver, ingest queue, processor,
 * answer queue, worker (lock, history, knowledge, mark-read/typing, agent,
 * send). Each customer is new (`firstCustomer` onwards), so no rate limit
 * applies. Set the debounce window to 0 first (withoutDebounce).
 */
export async function measureWebhookToReply(
  stack: Stack,
  config: StackConfig,
  count: number,
  firstCustomer = 0,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = firstCustomer; i < firstCustomer + count; i++) {
    const before = stack.sandbox!.messages().length;
    const start = performance.now();
    await postCustomerText(
      stack,
      config.appSecret,
      `55119${String(i).padStart(8, '0')}`,
      `hello ${i}`,
    );
    await stack.sandbox!.waitForMessages(before + 1, 10_000);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

/**
 * With the built-in rules agent (no model time) and the debounce window at 0.
 * Usage: npm run bench:reply [-- <count>]
 */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50);
  const { stack, config } = await startBenchStack({ INGEST_BATCHING_WINDOW_SECONDS: '0' });
  let latencies: number[];
  try {
    await withoutDebounce(stack);
    latencies = await measureWebhookToReply(stack, config, count);
  } finally {
    await stack.stop();
  }
  console.log(
    `customer webhook → reply sent (rules agent, debounce 0 s, ${count} conversations one at a time):`,
  );
  console.log(`  ${percentiles(latencies)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
