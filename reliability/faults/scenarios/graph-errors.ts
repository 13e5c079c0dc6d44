import { sql } from 'kysely';
import { answeredOncePerGroup, postGroupCustomers } from '../customer-groups';
import {
  answerAtOnce,
  awaitReplies,
  replyViolations,
  sleep,
  startFaultStack,
  tally,
} from '../fault-stack';
import { summary, type FaultResult } from '../result';

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
export async function graphErrors(): Promise<FaultResult> {
  const started = Date.now();
  const f = await startFaultStack();
  try {
    await answerAtOnce(f.stack.db);
    const sandbox = f.stack.sandbox!;
    const groups = {
      names: [...FAULTS.map((x) => x.name), 'no fault (control)'],
      perGroup: PER_GROUP,
      customerOf: (g: number, i: number) => `551140${g}${String(i).padStart(5, '0')}`,
    };
    const { customerOf } = groups;
    FAULTS.forEach((fault, g) => {
      for (let i = 0; i < PER_GROUP; i++)
        sandbox.fault({
          code: fault.code,
          httpStatus: fault.httpStatus,
          to: customerOf(g, i),
          times: Infinity,
        });
    });
    const ledger = await postGroupCustomers(f, groups);
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
    const violations = replyViolations(replies);
    if (ledger.acknowledged.length !== ledger.sent)
      violations.push('a customer message was not acknowledged');
    if (refused < 2 * FAULTS.length * PER_GROUP)
      violations.push('the faulted replies were not all refused twice');
    const extra: Record<string, number | string> = {
      'replies refused by the Graph API, then retried': refused,
    };
    Object.assign(extra, answeredOncePerGroup(groups, replies));
    return {
      scenario: 'graph-errors',
      guarantee:
        'Replies refused with 503 (code 2), 130429 or 131056 are retried and sent exactly once when the Graph API recovers.',
      nemesis: `Graph API refusing the replies of ${FAULTS.length * PER_GROUP} customers for ${faultSeconds.toFixed(1)} s (${FAULTS.map((x) => x.name).join(', ')})`,
      ...summary(ledger, await tally(f.stack.db, ledger)),
      extra,
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await f.stop();
  }
}
