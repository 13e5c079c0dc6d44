/**
 * Text splitting for Graph message bodies: lengths count code points (as
 * Graph does), cuts prefer paragraph, line and word breaks and never split a
 * grapheme cluster unless one cluster is longer than the limit.
 */

/** Graph's limit for a text message body, counted in characters (code points). */
export const TEXT_BODY_LIMIT = 4096;

/**
 * Split a text body into parts of at most `max` characters, cutting before the
 * limit at the last paragraph break, else line break, else space, else hard.
 * The separator at a cut is dropped; all other content is kept in order.
 */
export function splitText(body: string, max = TEXT_BODY_LIMIT): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be >= 1, got ${max}`);
  const parts: string[] = [];
  let rest = body;
  while (!isBlank(rest)) {
    const end = codePointEnd(rest, max);
    if (end === rest.length) {
      parts.push(rest);
      break;
    }
    const [head, tail] = cutBefore(rest, end);
    parts.push(head);
    rest = tail;
  }
  return parts;
}

export function isBlank(text: string): boolean {
  return text.trim() === '';
}

export function codePointLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index += text.codePointAt(index)! > 0xffff ? 2 : 1) {
    length += 1;
  }
  return length;
}

/** UTF-16 index just after the first `max` code points (or the string's end). */
export function codePointEnd(text: string, max: number): number {
  let index = 0;
  let count = 0;
  while (index < text.length && count < max) {
    index += text.codePointAt(index)! > 0xffff ? 2 : 1;
    count += 1;
  }
  return index;
}

// Non-breaking spaces (U+00A0, U+2007, U+202F) are left out: the writer asked not to break there.
const BREAKING_SPACES =
  '[ \\t\\f\\v\\r\\n\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]+';
const SEPARATORS = [
  new RegExp('\\n(?:[ \\t\\r]*\\n)+', 'g'), // paragraph break: a blank line
  new RegExp('\\r?\\n', 'g'),
  new RegExp(BREAKING_SPACES, 'g'),
];

/** Split `text` before UTF-16 index `end` (a code point boundary) into a part and the rest. */
function cutBefore(text: string, end: number): [string, string] {
  // One character more: a separator right after the limit still lets the whole limit fill.
  const window = text.slice(0, end + (text.codePointAt(end)! > 0xffff ? 2 : 1));
  for (const separator of SEPARATORS) {
    let last: RegExpExecArray | undefined;
    for (const match of window.matchAll(separator)) last = match;
    if (last === undefined) continue;
    const head = window.slice(0, last.index).trimEnd();
    if (isBlank(head)) continue;
    // Re-match in the full text: the separator may run on past the window.
    const sticky = new RegExp(separator.source, 'y');
    sticky.lastIndex = last.index;
    sticky.exec(text);
    // Blank lines at the start of a message carry nothing; indentation of the first line stays.
    return [head, text.slice(sticky.lastIndex).replace(/^(?:[ \t]*\r?\n)+/, '')];
  }
  const cut = graphemeBoundaryBefore(text, end);
  return [text.slice(0, cut), text.slice(cut)];
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The last grapheme boundary at or before `end`, so a hard cut keeps emoji sequences whole. */
function graphemeBoundaryBefore(text: string, end: number): number {
  // A little look-ahead tells whether the cluster at `end` continues past it.
  const probe = text.slice(0, end + 32);
  let boundary = 0;
  for (const { index } of graphemes.segment(probe)) {
    if (index > end) break;
    boundary = index;
  }
  // One cluster longer than the limit: fall back to the code point boundary.
  return boundary === 0 ? end : boundary;
}
