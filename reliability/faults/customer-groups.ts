import { APP_SECRET, type FaultStack, type Replies } from './fault-stack';
import { customerWebhook, emptyLedger, postWebhook, type Ledger } from './meta-sender';

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
