import { writeFileSync } from 'node:fs';
import { eraseContact, exportContact, toJsonLines, type ContactKey } from '@waba/db';
import { flag, orgOf, required, UsageError, withDb, type Target } from './cli-common';

export const CONTACT_USAGE = `  contact export --org <slug> (--wa-id <n> | --user-id <bsuid>) --out <file.jsonl>
                                          everything held about the customer in that organization (docs/privacy.md)
  contact erase --org <slug> (--wa-id <n> | --user-id <bsuid>) --by <operator or ticket>
                                          erases or redacts the customer's data everywhere in that organization;
                                          other customers' items of shared bodies and campaign totals stay`;

/** `--wa-id` or `--user-id`, exactly one. */
function contactKey(args: string[]): ContactKey {
  const waId = flag(args, 'wa-id');
  const userId = flag(args, 'user-id');
  if ((waId === undefined) === (userId === undefined))
    throw new UsageError('give one of --wa-id or --user-id');
  return waId !== undefined ? { waId } : { userId: userId! };
}

export async function runContactCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (`${args[0]} ${args[1]}`) {
    case 'contact export': {
      const key = contactKey(args);
      const file = required(args, 'out');
      const records = await withDb(t, async (db) =>
        exportContact(db, (await orgOf(db, args)).id, key),
      );
      writeFileSync(file, toJsonLines(records));
      const kinds = new Map<string, number>();
      for (const r of records) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
      out(`wrote ${records.length} record(s) to ${file}`);
      for (const [kind, n] of kinds) out(`${kind}\t${n}`);
      return;
    }
    case 'contact erase': {
      const key = contactKey(args);
      const by = required(args, 'by');
      const report = await withDb(t, async (db) =>
        eraseContact(db, (await orgOf(db, args)).id, key, { by }),
      );
      out(`erased contact ${report.contactId} (erasure_log ${report.logId})`);
      for (const [kind, n] of Object.entries(report.rowCounts)) out(`${kind}\t${n}`);
      return;
    }
    default:
      throw new UsageError(`unknown contact command ${args[1] ?? ''}`);
  }
}
