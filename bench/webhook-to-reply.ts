import { updateAgentConfig } from '@waba/db';
import { percentiles, postCustomerText, startBenchStack } from './bench-stack';

/**
 * Time from a customer's signed webhook to the reply arriving at the Meta
 * sandbox, with the built-in rules agent (no model time) and the debounce
 * window set to 0 so only the pipeline's own work is measured: receiver,
 * ingest queue, processor, answer queue, worker (lock, history, knowledge,
 * mark-read/typing, send). Each customer is new, so no rate limit applies.
 * Usage: npm run bench:reply [-- <count>]
 */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50);
  const { stack, config } = await startBenchStack({ INGEST_BATCHING_WINDOW_SECONDS: '0' });
  const org = await stack.db
    .selectFrom('organizations')
    .select('id')
    .where('slug', '=', 'default')
    .executeTakeFirstOrThrow();
  await updateAgentConfig(stack.db, org.id, { debounce_seconds: 0 });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
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
  } finally {
    await stack.stop();
  }
  console.log(
    `customer webhook → reply sent (rules agent, debounce 0 s, ${count} conversations one at a time):`,
  );
  console.log(`  ${percentiles(latencies)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
