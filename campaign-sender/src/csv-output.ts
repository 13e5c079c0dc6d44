import { stringify } from 'csv-stringify/sync';

// A cell a spreadsheet would evaluate as a formula; a plain signed number is not one.
const FORMULA_START = /^[=+\-@\t\r]/;
const SIGNED_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * CSV for exports (RFC 4180, CRLF) with csv-stringify. Dates as ISO 8601 UTC,
 * null as empty. A text cell starting with = + - @ gets a leading ' so a
 * spreadsheet shows it instead of evaluating it (profile names come from customers).
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return stringify([header, ...rows] as unknown[][], {
    record_delimiter: '\r\n',
    // csv-stringify quotes its own record delimiter only; a lone LF or CR must be quoted too.
    quoted_match: /[\r\n]/,
    cast: {
      boolean: (value) => String(value),
      date: (value) => value.toISOString(),
      string: (value) =>
        FORMULA_START.test(value) && !SIGNED_NUMBER.test(value) ? `'${value}` : value,
    },
  });
}
