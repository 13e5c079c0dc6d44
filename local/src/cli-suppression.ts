import { readFileSync, writeFileSync } from 'node:fs';
import {
  getOptOutKeywords,
  liftSuppressions,
  listSuppressions,
  setOptOutKeywords,
  suppressContacts,
  type OptOutAction,
} from '@waba/db';
import { normalizeWaId, parseSuppressionCsv } from '@waba/campaign-sender';
import { optOutKeywordSets, validateKeywords } from '@waba/answer-worker';
import { checked, flag, orgOf, required, UsageError, withDb, type Target } from './cli-common';
import { toCsv } from '@waba/campaign-sender';

export const SUPPRESSION_USAGE = `  suppression import --org <slug> --csv <file>   wa_id column (+ optional reason): no marketing template goes to them
  suppression add|remove --org <slug> --contact <wa_id|user_id> [--reason <text>]
  suppression export --org <slug> [--csv <file>]   the list with source (user_preferences, keyword, csv_import, operator) and time
  optout show --org <slug>                        STOP / START keywords and confirmations per language (defaults included)
  optout set --org <slug> --language <code> --action stop|start --keywords <k1,k2> --reply <text>`;

const EXPORT_COLUMNS = ['wa_id', 'source', 'detail', 'suppressed_at'] as const;

function contactOf(args: string[]): string {
  const raw = required(args, 'contact');
  const waId = normalizeWaId(raw);
  if (waId === undefined)
    throw new UsageError(`--contact ${raw}: not a phone number nor a user id`);
  return waId;
}

export async function runSuppressionCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (`${args[0]} ${args[1]}`) {
    case 'suppression import': {
      const file = required(args, 'csv');
      const { rows, errors } = parseSuppressionCsv(readFileSync(file, 'utf8'));
      for (const e of errors) out(`${file}:${e.line}: ${e.message}`);
      if (errors.length > 0) throw new Error(`nothing imported: ${errors.length} problem(s)`);
      const at = new Date();
      const n = await withDb(t, async (db) =>
        suppressContacts(
          db,
          (await orgOf(db, args)).id,
          rows.map((r) => ({ waId: r.waId, source: 'csv_import', detail: r.reason, at })),
        ),
      );
      out(`suppressed ${n} contact(s) from ${rows.length} line(s)`);
      return;
    }
    case 'suppression add': {
      const waId = contactOf(args);
      await withDb(t, async (db) =>
        suppressContacts(db, (await orgOf(db, args)).id, [
          { waId, source: 'operator', detail: flag(args, 'reason') ?? null, at: new Date() },
        ]),
      );
      out(`suppressed ${waId}`);
      return;
    }
    case 'suppression remove': {
      const waId = contactOf(args);
      const n = await withDb(t, async (db) =>
        liftSuppressions(db, (await orgOf(db, args)).id, [waId]),
      );
      out(n > 0 ? `removed ${waId} from the suppression list` : `${waId} was not suppressed`);
      return;
    }
    case 'suppression export': {
      const rows = await withDb(t, async (db) => listSuppressions(db, (await orgOf(db, args)).id));
      const cells = rows.map((r) => [r.wa_id, r.source, r.detail, r.suppressed_at.toISOString()]);
      const csv = flag(args, 'csv');
      if (csv) {
        writeFileSync(csv, toCsv(EXPORT_COLUMNS, cells));
        out(`wrote ${rows.length} suppressed contact(s) to ${csv}`);
        return;
      }
      out(EXPORT_COLUMNS.join('\t'));
      for (const c of cells) out(c.map((v) => v ?? '-').join('\t'));
      return;
    }
    case 'optout show': {
      const rows = await withDb(t, async (db) => getOptOutKeywords(db, (await orgOf(db, args)).id));
      out('language\taction\tkeywords\treply');
      for (const s of optOutKeywordSets(rows))
        out(`${s.language}\t${s.action}\t${s.keywords.join(',')}\t${s.reply}`);
      return;
    }
    case 'optout set': {
      const action = required(args, 'action');
      if (action !== 'stop' && action !== 'start')
        throw new UsageError(`--action ${action}: stop or start`);
      const reply = required(args, 'reply');
      if (reply.trim() === '' || reply.length > 4096)
        throw new UsageError('--reply: 1 to 4096 characters');
      const keywords = checked('--keywords', () =>
        validateKeywords(required(args, 'keywords').split(',')),
      );
      const language = required(args, 'language');
      await withDb(t, async (db) =>
        setOptOutKeywords(db, (await orgOf(db, args)).id, {
          language,
          action: action as OptOutAction,
          keywords,
          reply,
        }),
      );
      out(`${language} ${action}: ${keywords.join(', ')}`);
      return;
    }
    default:
      throw new UsageError(`unknown ${args[0]} command ${args[1] ?? ''}`);
  }
}
