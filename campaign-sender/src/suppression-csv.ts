import { normalizeWaId, parseCsv, type CsvProblem } from './audience-csv';

export interface SuppressionCsvRow {
  line: number;
  waId: string;
  /** The optional `reason` column, kept as the suppression's detail. */
  reason: string | null;
}

/**
 * Reads a suppression list file: a `wa_id` column (phone number or
 * business-scoped user id, as audience files) and an optional `reason`.
 * A contact listed twice is listed once; any bad line refuses the file.
 */
export function parseSuppressionCsv(text: string): {
  rows: SuppressionCsvRow[];
  errors: CsvProblem[];
} {
  const { records, problems } = parseCsv(text);
  const errors: CsvProblem[] = [...problems];
  const [header, ...lines] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: 'the file is empty' }] };
  const columns = header.fields.map((c) => c.trim().toLowerCase());
  const waIdAt = columns.indexOf('wa_id');
  const reasonAt = columns.indexOf('reason');
  if (waIdAt < 0)
    return { rows: [], errors: [{ line: header.line, message: 'the header has no wa_id column' }] };
  const rows = new Map<string, SuppressionCsvRow>();
  for (const { line, fields } of lines) {
    const raw = fields[waIdAt] ?? '';
    const waId = normalizeWaId(raw);
    if (waId === undefined) {
      errors.push({
        line,
        message: `wa_id "${raw}" is not a phone number nor a business-scoped user id`,
      });
      continue;
    }
    const reason = reasonAt < 0 ? '' : (fields[reasonAt] ?? '').trim();
    rows.set(waId, { line, waId, reason: reason === '' ? null : reason });
  }
  return { rows: errors.length > 0 ? [] : [...rows.values()], errors };
}
