import { sql } from 'kysely';
import { groupFaultScenario } from '../customer-groups';
import { awaitReplies, sleep } from '../fault-stack';
import type { FaultResult } from '../result';

/**
 * Meta's answers that mean "not now": the worker must retry them, later, and once.
 * Not 131000 or a 5xx without Meta's envelope: Meta may have sent those, so they are
 * `unknown` and wait for their status webhook instead (docs/design.md, unknown-outcome rule).
 */
const FAULTS = [
  { name: 'HTTP 503 (2, service unavailable)', code: 2, httpStatus: 503 },
  { name: 'throughput limit (130429)', code: 130429, httpStatus: 429 },
  { name: 'pair rate limit (131056)', code: 131056, httpStatus: 400 },
] as const;
const PER_GROUP = 8;

/**
 * The Graph API answers 503 (code 2), 130429 or 131056 to every reply for a while
 * (each group of customers gets one kind; a control group gets none). When
 * it recovers, every customer due a reply gets exactly one.
 */
export function graphErrors(): Promise<FaultResult> {
  return groupFaultScenario({
    scenario: 'graph-errors',
    guarantee:
      'Replies refused with 503 (code 2), 130429 or 131056 are retried and sent exactly once when the Graph API recovers.',
    faults: FAULTS,
    perGroup: PER_GROUP,
    prefix: '551140',
    inject: (sandbox, fault, to) =>
      sandbox.fault({ code: fault.code, httpStatus: fault.httpStatus, to, times: Infinity }),
    observe: async ({ f, sandbox, ledger }) => {
      // The faults last until every faulted customer's job was refused at least once.
      const refusedAttempts = () =>
        sql<{ n: number; conversations: number }>`
          select count(*)::int as n, count(distinct contact_id)::int as conversations
          from answer_attempts where state = 'failed' and error like '%Graph API error%'`.execute(
          f.stack.db,
        );
      // The faults last until each faulted reply was refused twice: first try and first retry.
      const faultStart = Date.now();
      while (
        (await refusedAttempts()).rows[0]!.n < 2 * FAULTS.length * PER_GROUP &&
        Date.now() - faultStart < 40_000
      )
        await sleep(200);
      sandbox.clearFaults();
      const faultSeconds = (Date.now() - faultStart) / 1000;

      const replies = await awaitReplies(
        f,
        ledger.acknowledged.map((a) => a.customer),
      );
      const refused = (await refusedAttempts()).rows[0]!.n;
      const violations: string[] = [];
      if (refused < 2 * FAULTS.length * PER_GROUP)
        violations.push('the faulted replies were not all refused twice');
      return {
        replies,
        violations,
        extra: { 'replies refused by the Graph API, then retried': refused },
        nemesis: `Graph API refusing the replies of ${FAULTS.length * PER_GROUP} customers for ${faultSeconds.toFixed(1)} s (${FAULTS.map((x) => x.name).join(', ')})`,
      };
    },
  });
}
