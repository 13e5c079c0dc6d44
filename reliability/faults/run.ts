// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { runPlans } from '../run-plans';
import type { FaultResult } from './result';
import { graphErrors } from './scenarios/graph-errors';
import { lostAnswers } from './scenarios/lost-answers';
import { longOutage } from './scenarios/long-outage';
import { poisonDlq } from './scenarios/poison-dlq';
import { postgresOutage } from './scenarios/postgres-outage';
import { processorKill } from './scenarios/processor-kill';
import { queueRefusal } from './scenarios/queue-refusal';

const SCENARIOS: Record<string, () => Promise<FaultResult>> = {
  'postgres-outage': postgresOutage,
  'processor-kill': processorKill,
  'queue-refusal': queueRefusal,
  'graph-errors': graphErrors,
  'lost-answers': lostAnswers,
  'poison-dlq': poisonDlq,
  'long-outage': longOutage(true),
  'long-outage-no-backoff': longOutage(false),
};

function print(r: FaultResult): void {
  const verdict = r.violations.length === 0 ? 'HELD' : 'VIOLATED';
  console.log(`\n## ${r.scenario}: ${verdict} (${r.seconds.toFixed(0)} s)`);
  console.log(`guarantee: ${r.guarantee}`);
  console.log(`nemesis:   ${r.nemesis}`);
  console.log(
    `webhooks:  sent ${r.sent}, acknowledged ${r.acknowledged}, answered 5xx ${r.refused}, ` +
      `stored ${r.stored}, lost ${r.lost}, duplicated ${r.duplicated}, redeliveries absorbed ${r.absorbed}`,
  );
  for (const [k, v] of Object.entries(r.extra)) console.log(`           ${k}: ${v}`);
  for (const v of r.violations) console.log(`VIOLATION: ${v}`);
}

/**
 * `npm run test:faults [-- <scenario> ...]`: fault injection on the local
 * stack. Prints each scenario's figures, writes them to
 * .data/reliability/faults.json, exits 1 if any guarantee was violated.
 */
async function main(): Promise<void> {
  const results = await runPlans({
    kind: 'scenario',
    plans: SCENARIOS,
    wanted: process.argv.slice(2),
    run: (scenario) => scenario(),
    print,
    file: 'faults.json',
  });
  const failed = results.filter((r) => r.violations.length > 0);
  console.log(
    `\n${results.length - failed.length} of ${results.length} fault scenario(s) held their guarantees`,
  );
  process.exit(failed.length ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
