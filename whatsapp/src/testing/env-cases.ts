/**
 * Values a numeric setting must refuse, for table-driven tests of each
 * deployable's environment: `Number()` reads them as NaN, a negative and 0.
 */
export const BAD_NUMBERS = ['abc', '-1', ''] as const;

/** `[variable, value]` rows: every bad number for every named variable. */
export function badNumberCases(names: readonly string[]): Array<[string, string]> {
  return names.flatMap((name) => BAD_NUMBERS.map((value): [string, string] => [name, value]));
}

/** The message start of an EnvError about `name`. */
export const envErrorAbout = (name: string): RegExp => new RegExp(`^invalid environment: ${name} `);
