import type { MetaSandbox } from '@waba/testing';
import {
  APP_SECRET,
  answerAtOnce,
  replyViolations,
  startFaultStack,
  tally,
  type FaultStack,
  type Replies,
} from './fault-stack';
import { customerWebhook, emptyLedger, postWebhook, type Ledger } from './meta-sender';
import { summary, type FaultResult } from './result';

/** Customers in groups of `perGroup` (one group per fault, the last a control), each a number of its own. */
export interface CustomerGroups {
  names: string[];
  perGroup: number;
  customerOf: (group: number, i: number) => string;
}

/** Each customer of each group writes once; the ledger of what the receiver acknowledged. */
export async function postGroupCustomers(f: FaultStack, groups: CustomerGroups): Promise<Ledger> {
  const ledger = emptyLedger();
  for (let g = 0; g < groups.names.length; g++) {
    for (let i = 0; i < groups.perGroup; i++) {
      const customer = groups.customerOf(g, i);
      const w = customerWebhook(customer, `hello from group ${g}`, APP_SECRET);
      const status = await postWebhook(`${f.stack.url}/webhook`, w);
      ledger.sent += 1;
      if (status === 200) ledger.acknowledged.push({ ...w, customer });
    }
  }
  return ledger;
}

/** Per group: how many of its customers got exactly one reply, as `n/perGroup`. */
export function answeredOncePerGroup(
  groups: CustomerGroups,
  replies: Replies,
): Record<string, string> {
  const out: Record<string, string> = {};
  groups.names.forEach((name, g) => {
    const members = Array.from({ length: groups.perGroup }, (_, i) => groups.customerOf(g, i));
    out[`${name}: answered exactly once`] =
      `${members.filter((c) => replies.count.get(c) === 1).length}/${groups.perGroup}`;
  });
  return out;
}

/** What a group scenario found once every customer's message was posted. */
export interface GroupOutcome {
  replies: Replies;
  /** The scenario's own violations (the reply and acknowledgement checks are common). */
  violations: string[];
  extra: Record<string, number | string>;
  nemesis: string;
}

/**
 * A Graph fault scenario over customer groups: on a fault stack of its own
 * that answers at once, each group but the last (the control) gets one of
 * `faults`, injected per customer; every customer writes once; `observe` waits
 * for the outcome. The verdict: every customer due a reply got exactly one,
 * every message was acknowledged, and what `observe` found.
 */
export async function groupFaultScenario<F extends { name: string }>(spec: {
  scenario: string;
  guarantee: string;
  faults: readonly F[];
  perGroup: number;
  /** Group g's customers are `${prefix}${g}` and a five-digit index. */
  prefix: string;
  inject(sandbox: MetaSandbox, fault: F, customer: string): void;
  observe(run: {
    f: FaultStack;
    sandbox: MetaSandbox;
    groups: CustomerGroups;
    ledger: Ledger;
  }): Promise<GroupOutcome>;
}): Promise<FaultResult> {
  const started = Date.now();
  const f = await startFaultStack();
  try {
    await answerAtOnce(f.stack.db);
    const sandbox = f.stack.sandbox!;
    const groups: CustomerGroups = {
      names: [...spec.faults.map((x) => x.name), 'no fault (control)'],
      perGroup: spec.perGroup,
      customerOf: (g: number, i: number) => `${spec.prefix}${g}${String(i).padStart(5, '0')}`,
    };
    spec.faults.forEach((fault, g) => {
      for (let i = 0; i < spec.perGroup; i++) spec.inject(sandbox, fault, groups.customerOf(g, i));
    });
    const ledger = await postGroupCustomers(f, groups);
    const outcome = await spec.observe({ f, sandbox, groups, ledger });
    const violations = replyViolations(outcome.replies);
    if (ledger.acknowledged.length !== ledger.sent)
      violations.push('a customer message was not acknowledged');
    violations.push(...outcome.violations);
    return {
      scenario: spec.scenario,
      guarantee: spec.guarantee,
      nemesis: outcome.nemesis,
      ...summary(ledger, await tally(f.stack.db, ledger)),
      extra: { ...outcome.extra, ...answeredOncePerGroup(groups, outcome.replies) },
      seconds: (Date.now() - started) / 1000,
      violations,
    };
  } finally {
    await f.stop();
  }
}
