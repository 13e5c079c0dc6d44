import { readFileSync } from 'node:fs';
import { dailySpend, importRateCard, type CampaignSpendView } from '@waba/db';
import { parseRateCardCsv } from '@waba/campaign-sender';
import { flag, orgOf, required, UsageError, withDb, type Target } from './cli-common';

export const SPEND_USAGE = `  rates import --org <slug> --csv <file>   rate card: category,country_code,price,currency,effective_from (YYYY-MM-DD)
  spend --org <slug> [--since <YYYY-MM-DD>]   estimated spend per day and pricing category (default: last 30 days)`;

/** One line of estimated spend: charged, free, unpriced and the estimate. */
export function spendLine(s: CampaignSpendView | undefined): string {
  if (!s) return 'spend: no priced message yet';
  return `spend ${s.estimated_cost ?? '0'} ${s.currency ?? ''}  charged ${s.charged}  free ${s.free}  unpriced ${s.unpriced}`;
}

export async function runSpendCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  if (args[0] === 'rates' && args[1] === 'import') {
    const file = required(args, 'csv');
    const { rows, errors } = parseRateCardCsv(readFileSync(file, 'utf8'));
    for (const e of errors) out(`${file}:${e.line}: ${e.message}`);
    if (errors.length > 0) throw new Error(`nothing imported: ${errors.length} problem(s)`);
    const n = await withDb(t, async (db) => importRateCard(db, (await orgOf(db, args)).id, rows));
    out(`imported ${n} rate(s)`);
    return;
  }
  if (args[0] === 'spend') {
    const since = new Date(flag(args, 'since') ?? Date.now() - 30 * 86_400_000);
    if (Number.isNaN(since.getTime())) throw new UsageError('--since: a day (YYYY-MM-DD)');
    const rows = await withDb(t, async (db) => dailySpend(db, (await orgOf(db, args)).id, since));
    out('day\tcategory\tcharged\tfree\tunpriced\testimated_cost\tcurrency');
    for (const r of rows)
      out(
        `${r.day.toISOString().slice(0, 10)}\t${r.category}\t${r.charged}\t${r.free}\t${r.unpriced}\t${r.estimated_cost ?? '-'}\t${r.currency ?? '-'}`,
      );
    return;
  }
  throw new UsageError(`unknown command ${args.slice(0, 2).join(' ')}`);
}
