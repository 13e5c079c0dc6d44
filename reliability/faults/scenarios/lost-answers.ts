import { sql } from 'kysely';
import { groupFaultScenario } from '../customer-groups';
import { awaitReplies, sleep } from '../fault-stack';
import type { FaultResult } from '../result';

/** Meta takes the reply, and its answer is lost on the way back. */
const FAULTS = [
  { name: 'connection reset after the send', lose: 'reset' },
  { name: 'no answer (client timeout) after the send', lose: 'hang' },
] as const;
const PER_GROUP = 8;

/**
 * The Meta sandbox accepts every faulted customer's reply (and posts its
 * status webhooks) but resets the connection or never answers. The worker
 * cannot know the reply went out: it must not send it again, and the tagged
 * status webhook must settle the attempt as sent.
 */
export function lostAnswers(): Promise<FaultResult> {
  return groupFaultScenario({
    scenario: 'lost-answers',
    guarantee:
      'A reply Meta took whose answer was lost (reset, timeout) is never sent again; its tagged status webhook settles it as sent.',
    faults: FAULTS,
    perGroup: PER_GROUP,
    prefix: '551141',
    inject: (sandbox, fault, to) => sandbox.fault({ lose: fault.lose, to }),
    observe: async ({ f, groups, ledger }) => {
      // Lost answers time out after the Graph client's 10 s; wait past that for their records.
      const replies = await awaitReplies(
        f,
        ledger.acknowledged.map((a) => a.customer),
        90_000,
        15_000,
      );
      const faulted = FAULTS.flatMap((_x, g) =>
        Array.from({ length: PER_GROUP }, (_y, i) => groups.customerOf(g, i)),
      );
      const states = async () =>
        (
          await sql<{ state: string; n: number }>`
            select state, count(*)::int as n from answer_attempts
            where contact_id in (select id from contacts where wa_id = any(${faulted}::text[]))
            group by state`.execute(f.stack.db)
        ).rows;
      const deadline = Date.now() + 30_000;
      let byState = await states();
      while (byState.some((s) => s.state !== 'sent') && Date.now() < deadline) {
        await sleep(250);
        byState = await states();
      }
      const settled = byState.find((s) => s.state === 'sent')?.n ?? 0;
      const violations: string[] = [];
      if (settled !== faulted.length)
        violations.push(
          `attempts of lost answers not settled as sent: ${JSON.stringify(byState)} (want ${faulted.length} sent)`,
        );
      return {
        replies,
        violations,
        extra: {
          'lost answers settled as sent by their status webhook': `${settled}/${faulted.length}`,
        },
        nemesis: `Graph answers lost after the send for ${faulted.length} customers (${FAULTS.map((x) => x.name).join(', ')})`,
      };
    },
  });
}
