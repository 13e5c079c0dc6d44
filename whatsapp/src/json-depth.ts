/**
 * How deep a webhook body may nest. Meta's payloads are shallow: the deepest
 * documented path (`entry[].changes[].value.messages[].interactive.nfm_reply`,
 * an order's `product_items[]`) is about 10 to 12 levels of objects and arrays.
 * 64 leaves room for fields Meta adds, and keeps every value far from what
 * recursive code can handle: V8's JSON.stringify, zod and pg's jsonb encoding
 * recurse once per level (a 5,000-deep body overflowed the processor's stack),
 * and Postgres refuses a jsonb nested past its stack depth limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text (`{}` and `[]` count one level each, brackets
 * inside strings do not), read in one pass without recursion, so even a body
 * nested a million levels deep is measured safely. It stops counting once the
 * depth exceeds `stopAbove` and returns that depth. It does not validate the
 * text: JSON.parse does that afterwards.
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}
