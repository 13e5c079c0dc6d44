/**
 * Postgres text and jsonb refuse the NUL character (`\u0000`), which a
 * hostile or broken payload may carry. Stored values replace it with U+FFFD;
 * the raw payload in webhook_events keeps the original escaped text intact.
 */
export function pgText(value: string): string;
export function pgText(value: string | null | undefined): string | null;
export function pgText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

// A `\u0000` escape not itself escaped (preceded by an even number of backslashes).
const JSON_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** JSON text of a value, safe for a jsonb cast. */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value ?? null);
  return json.includes('\\u0000') ? json.replace(JSON_NUL, '$1\\ufffd') : json;
}
