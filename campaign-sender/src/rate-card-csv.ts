import type { RateCardInput } from '@waba/db';
import { parseCsv, type CsvProblem } from './audience-csv';

const COLUMNS = ['category', 'country_code', 'price', 'currency', 'effective_from'] as const;
const CHECKS: Record<(typeof COLUMNS)[number], RegExp> = {
  category: /^[a-z_]+$/i,
  country_code: /^\d{0,4}$/,
  price: /^\d{1,6}(\.\d{1,6})?$/,
  currency: /^[A-Z]{3}$/i,
  effective_from: /^\d{4}-\d{2}-\d{2}$/,
};

/**
 * Reads a rate card file: category, country_code (calling code; empty: any
 * recipient), price, currency, effective_from (YYYY-MM-DD). Any bad line
 * refuses the file.
 */
export function parseRateCardCsv(text: string): { rows: RateCardInput[]; errors: CsvProblem[] } {
  const { records, problems } = parseCsv(text);
  const errors: CsvProblem[] = [...problems];
  const [header, ...lines] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: 'the file is empty' }] };
  const names = header.fields.map((c) => c.trim().toLowerCase());
  const at = COLUMNS.map((c) => names.indexOf(c));
  const missing = COLUMNS.filter((_, i) => at[i]! < 0);
  if (missing.length > 0)
    return {
      rows: [],
      errors: [{ line: header.line, message: `missing column(s) ${missing.join(', ')}` }],
    };
  const rows: RateCardInput[] = [];
  for (const { line, fields } of lines) {
    const [category, countryCode, price, currency, effectiveFrom] = at.map((i) =>
      (fields[i] ?? '').trim(),
    ) as [string, string, string, string, string];
    const bad = COLUMNS.filter(
      (c, i) => !CHECKS[c].test([category, countryCode, price, currency, effectiveFrom][i]!),
    );
    if (bad.length > 0) {
      errors.push({ line, message: `bad ${bad.join(', ')}` });
      continue;
    }
    rows.push({ category, countryCode, price, currency, effectiveFrom });
  }
  return { rows: errors.length > 0 ? [] : rows, errors };
}
