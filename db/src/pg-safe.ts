/**
 * Postgres text and jsonb refuse the NUL character (`\u0000`), which a
 * hostile or broken payload may carry, and jsonb refuses lone surrogates.
 * Stored values replace them with U+FFFD;
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
// JSON.stringify writes a lone UTF-16 surrogate (half an emoji, cut by a
// broken client) as an escape, which jsonb refuses; valid pairs stay raw.
const JSON_LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/** JSON text of a value, safe for a jsonb cast (NUL and lone surrogates become U+FFFD). */
export function pgJson(value: unknown): string {
  const json = JSON.stringify(value ?? null);
  if (!json.includes('\\u')) return json;
  return json.replace(JSON_NUL, '$1\\ufffd').replace(JSON_LONE_SURROGATE, '$1\\ufffd');
}
