import { CsvError, parse } from 'csv-parse/sync';
import { isBusinessScopedUserId } from '@waba/whatsapp';
/**
 * Audience files: CSV (RFC 4180: comma separated, fields quoted with ", a
 * quote inside doubled, CRLF or LF, optional UTF-8 BOM), a header row with a
 * `wa_id` column, and any other columns as per-recipient template parameters.
 */

export interface CsvRecord {
  /** Line of the file where the record starts (1-based; the header is line 1). */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

/**
 * Splits CSV text into records with csv-parse. Quoted fields may span lines; a
 * quote inside an unquoted field is kept as text. A record's line is counted
 * from where the one before it ended, plus the blank lines between them.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let lastEnd = 0;
  let lastEmpty = 0;
  const startOf = (emptyLines: number): number => lastEnd + 1 + (emptyLines - lastEmpty);
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      // `info` tells where the record ended.
      on_record: (fields, info) => {
        const line = startOf(info.empty_lines);
        lastEnd = info.lines;
        lastEmpty = info.empty_lines;
        // A line of spaces carries no record either.
        if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line, fields });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { empty_lines: emptyLines } = error as CsvError & { empty_lines?: number };
    problems.push({ line: startOf(emptyLines ?? lastEmpty), message: csvProblem(error) });
  }
  return { records, problems };
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field is followed by text before the next comma';
    default:
      return error.message;
  }
}

export interface AudienceRow {
  line: number;
  waId: string;
  parameters: Record<string, string>;
}

export interface AudienceParseResult {
  recipients: AudienceRow[];
  /** Every problem with its line; when not empty, nothing may be imported. */
  errors: CsvProblem[];
}

const WA_ID = /^[1-9]\d{7,14}$/;

/**
 * A wa_id is the number in international format, digits only. Spaces, dashes,
 * dots, parentheses and a leading + or 00 are tolerated, since spreadsheets
 * add them.
 */
export function normalizeWaId(raw: string): string | undefined {
  // A user known only by username is named by its business-scoped user id.
  if (isBusinessScopedUserId(raw.trim())) return raw.trim();
  let digits = raw.trim().replace(/[\s\-.()]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  return WA_ID.test(digits) ? digits : undefined;
}

/**
 * Reads an audience file. `required` lists the columns the template's
 * placeholders use: each must exist and be non-empty on every row.
 */
export function parseAudienceCsv(text: string, required: readonly string[]): AudienceParseResult {
  const { records, problems } = parseCsv(text);
  const errors: CsvProblem[] = [...problems];
  const [header, ...rows] = records;
  if (!header) return { recipients: [], errors: [{ line: 1, message: 'the file is empty' }] };
  const columns = header.fields.map((c) => c.trim());
  const waIdAt = columns.findIndex((c) => c.toLowerCase() === 'wa_id');
  if (waIdAt < 0) errors.push({ line: header.line, message: 'the header has no wa_id column' });
  const seen = new Set<string>();
  for (const [at, name] of columns.entries()) {
    if (name === '') errors.push({ line: header.line, message: `column ${at + 1} has no name` });
    else if (seen.has(name))
      errors.push({ line: header.line, message: `column ${name} appears twice` });
    seen.add(name);
  }
  for (const name of required)
    if (!columns.includes(name))
      errors.push({
        line: header.line,
        message: `the template uses {{${name}}} but there is no ${name} column`,
      });
  if (errors.length > 0) return { recipients: [], errors };

  const recipients: AudienceRow[] = [];
  const firstLine = new Map<string, number>();
  for (const record of rows) {
    const { line, fields } = record;
    if (fields.length !== columns.length) {
      errors.push({ line, message: `${fields.length} fields, the header has ${columns.length}` });
      continue;
    }
    const raw = fields[waIdAt]!;
    const waId = normalizeWaId(raw);
    if (waId === undefined) {
      errors.push({
        line,
        message: `wa_id "${raw}" is not a phone number in international format (8 to 15 digits) nor a business-scoped user id (e.g. US.13491208655302741918)`,
      });
      continue;
    }
    const earlier = firstLine.get(waId);
    if (earlier !== undefined) {
      errors.push({ line, message: `wa_id ${waId} already on line ${earlier}` });
      continue;
    }
    firstLine.set(waId, line);
    const parameters: Record<string, string> = {};
    for (const [at, name] of columns.entries()) if (at !== waIdAt) parameters[name] = fields[at]!;
    const empty = required.filter((name) => parameters[name]!.trim() === '');
    if (empty.length > 0) {
      errors.push({ line, message: `empty ${empty.join(', ')}, used by the template` });
      continue;
    }
    recipients.push({ line, waId, parameters });
  }
  return { recipients: errors.length > 0 ? [] : recipients, errors };
}
