// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { runPlans } from '../run-plans';
import { runLoad, type LoadOptions, type LoadResult } from './load-run';

function print(r: LoadResult): void {
  const held = r.non2xx === 0 && r.errors === 0 && r.lost === 0 && r.duplicated === 0;
  console.log(`\n## ${r.mode}: ${held ? 'HELD' : 'VIOLATED'}`);
  console.log(
    `  ${r.durationSeconds} s, sent ${r.sent}, acknowledged ${r.acknowledged} (${r.achievedPerSecond}/s), ` +
      `non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
  console.log(`  stored ${r.stored}, lost ${r.lost}, duplicated ${r.duplicated}`);
  const l = r.latencyMs;
  console.log(
    `  receiver latency: p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`,
  );
  console.log(`  POST → row (sampled): p50 ${r.postToRowMs.p50} ms, p99 ${r.postToRowMs.p99} ms`);
}

/**
 * `npm run test:load [-- steady|burst]`: a steady 500 webhooks/s for 60 s and
 * a 10 s burst against the local stack on loopback. Prints the figures,
 * writes them to .data/reliability/load.json, exits 1 on any non-2xx,
 * connection error, lost or duplicated webhook.
 */
async function main(): Promise<void> {
  const plans: Record<string, LoadOptions> = {
    steady: { mode: 'steady', ratePerSecond: 500, durationSeconds: 60 },
    burst: { mode: 'burst', durationSeconds: 10, connections: 50 },
  };
  const results = await runPlans({
    kind: 'load plan',
    plans,
    wanted: process.argv.slice(2),
    run: runLoad,
    print,
    file: 'load.json',
  });
  const bad = results.filter((r) => r.non2xx + r.errors + r.lost + r.duplicated > 0);
  process.exit(bad.length ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
