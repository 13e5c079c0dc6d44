import type { Tally } from './fault-stack';
import type { Ledger } from './meta-sender';

/** What one fault scenario did and found. */
export interface FaultResult {
  scenario: string;
  /** The guarantee under test, in one sentence. */
  guarantee: string;
  /** The fault injected, with how often. */
  nemesis: string;
  sent: number;
  acknowledged: number;
  /** Answers of 5xx (Meta retries those). */
  refused: number;
  stored: number;
  lost: number;
  duplicated: number;
  /** Redeliveries absorbed by the unique keys. */
  absorbed: number;
  /** Scenario-specific figures. */
  extra: Record<string, number | string>;
  seconds: number;
  /** Empty when every guarantee held. */
  violations: string[];
}

/** The common verdict on an acknowledged set: nothing lost, nothing twice, everything acknowledged. */
export function ledgerViolations(ledger: Ledger, tally: Tally): string[] {
  const out: string[] = [];
  if (tally.lost > 0) out.push(`${tally.lost} acknowledged webhook(s) not stored`);
  if (tally.duplicated > 0) out.push(`${tally.duplicated} duplicate row(s)`);
  if (ledger.unacknowledged > 0)
    out.push(`${ledger.unacknowledged} webhook(s) never acknowledged within the retry window`);
  const other4xx = Object.entries(ledger.statuses)
    .filter(([s]) => Number(s) >= 400 && Number(s) < 500)
    .reduce((n, [, c]) => n + c, 0);
  if (other4xx > 0) out.push(`${other4xx} signed webhook(s) answered 4xx`);
  return out;
}

export function summary(
  ledger: Ledger,
  tally: Tally,
): Pick<
  FaultResult,
  'sent' | 'acknowledged' | 'refused' | 'stored' | 'lost' | 'duplicated' | 'absorbed'
> {
  const refused = Object.entries(ledger.statuses)
    .filter(([s]) => Number(s) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  return {
    sent: ledger.sent,
    acknowledged: ledger.acknowledged.length,
    refused,
    stored: tally.stored,
    lost: tally.lost,
    duplicated: tally.duplicated,
    absorbed: tally.absorbed,
  };
}
