/**
 * Replaces personal data with placeholders before text reaches a model (and
 * in what the model says back): e-mail addresses, IBANs (mod-97 checked),
 * payment card numbers (Luhn checked, digits grouped by spaces, dots or
 * dashes), document numbers (CPF/CNPJ, SSN-like, long digit runs) and phone
 * numbers. Placeholders keep the sentence readable: "[email]".
 *
 * Linear time by construction: each stage is one left-to-right scan of the
 * text; the only regular expressions test one character, or a candidate of
 * at most SHAPE_MAX characters, and none has nested quantifiers. Input is
 * cut at PII_MAX_CHARS first, so no text costs more than that.
 */

/** Longest text redacted, and so sent to a model, in UTF-16 code units; the rest is cut. */
export const PII_MAX_CHARS = 8_192;
export const TRUNCATED = ' […]';

/** Counts the scanning steps of one call (tests prove linear time with it). */
export interface PiiMeter {
  steps: number;
}

const LETTER = /\p{L}/u;
const SPACE = /[\s]/;
const EMAIL_LOCAL = /[\p{L}\p{N}._%+-]/u;
const EMAIL_DOMAIN = /[\p{L}\p{N}.-]/u;
const ASCII_ALNUM = /[A-Za-z0-9]/;
const ASCII_LETTER = /[A-Za-z]/;
const SEPARATORS = new Set([' ', '\u00a0', '.', '-', '/', '(', ')']);
const IBAN_SEPARATORS = new Set([' ', '\u00a0', '-']);

/** Whole-run shapes, tested only on runs of at most SHAPE_MAX characters. */
const SHAPE_MAX = 40;
const CPF = /^\d{3}\.\d{3}\.\d{3}-\d{2}$/;
const CNPJ = /^\d{2}\.\d{3}\.\d{3}\/\d{4}-\d{2}$/;
const SSN = /^\d{3}[ .-]\d{2}[ .-]\d{4}$/;
const PHONE =
  /^(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}[\s.-]?\d{3,5}(?:[\s.-]?\d{3,5})?$/;

/** Every pattern this module runs (a test checks them for nested quantifiers). */
export const PII_PATTERNS: readonly RegExp[] = [
  LETTER,
  SPACE,
  EMAIL_LOCAL,
  EMAIL_DOMAIN,
  ASCII_ALNUM,
  ASCII_LETTER,
  CPF,
  CNPJ,
  SSN,
  PHONE,
];

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';

/** A one-character test: a table for ASCII (the common case), the pattern for the rest. */
function oneCharacter(re: RegExp): (ch: string | undefined) => boolean {
  const ascii = Array.from({ length: 128 }, (_, code) => re.test(String.fromCharCode(code)));
  return (ch) => {
    if (ch === undefined) return false;
    const code = ch.charCodeAt(0);
    return code < 128 ? ascii[code]! : re.test(ch);
  };
}
const isLetter = oneCharacter(LETTER);
const isEmailLocal = oneCharacter(EMAIL_LOCAL);
const isEmailDomain = oneCharacter(EMAIL_DOMAIN);
const isAsciiAlnum = oneCharacter(ASCII_ALNUM);
const isAsciiLetter = oneCharacter(ASCII_LETTER);

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616: the country code and check digits moved to the end, letters as 10..35, mod 97 is 1. */
function ibanChecksumOk(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of s) {
    const v = isDigit(ch) ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 55;
    rest = v > 9 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1;
}

type Chars = string[];

/** Emails: at each '@', the local part to its left and the domain to its right. */
function emails(c: Chars, meter: PiiMeter): Chars {
  const out: Chars = [];
  let copied = 0;
  for (let at = 0; at < c.length; at++) {
    meter.steps++;
    if (c[at] !== '@') continue;
    let start = at;
    while (start > copied && isEmailLocal(c[start - 1])) {
      start--;
      meter.steps++;
    }
    let stop = at + 1;
    while (stop < c.length && isEmailDomain(c[stop])) {
      stop++;
      meter.steps++;
    }
    // The domain ends at the last '.' followed by two or more letters (the TLD).
    let end = -1;
    let letters = 0;
    for (let j = stop - 1; j >= at + 2; j--) {
      meter.steps++;
      if (c[j] === '.' && letters >= 2) {
        end = j + 1 + letters;
        break;
      }
      letters = isLetter(c[j]) ? letters + 1 : 0;
    }
    if (start === at || end < 0) continue;
    for (let k = copied; k < start; k++) out.push(c[k]!);
    out.push('[email]');
    copied = end;
    at = end - 1;
  }
  for (let k = copied; k < c.length; k++) out.push(c[k]!);
  return out;
}

/**
 * IBANs: two letters and two digits at the start of a word, then letters and
 * digits in groups (single spaces or dashes between), 15 to 34 in all; the
 * longest candidate that ends a group and passes mod 97 is redacted.
 */
function ibans(c: Chars, meter: PiiMeter): Chars {
  const out: Chars = [];
  let copied = 0;
  for (let i = 0; i + 3 < c.length; i++) {
    meter.steps++;
    if (
      !isAsciiLetter(c[i]) ||
      !isAsciiLetter(c[i + 1]) ||
      !isDigit(c[i + 2]) ||
      !isDigit(c[i + 3]) ||
      (i > 0 && isAsciiAlnum(c[i - 1]))
    )
      continue;
    let compact = '';
    const ends: Array<{ at: number; length: number }> = [];
    let j = i;
    while (j < c.length && compact.length < 34) {
      meter.steps++;
      if (isAsciiAlnum(c[j])) {
        compact += c[j]!.toUpperCase();
        j++;
        if (!isAsciiAlnum(c[j])) ends.push({ at: j, length: compact.length });
      } else if (IBAN_SEPARATORS.has(c[j]!) && isAsciiAlnum(c[j + 1])) j++;
      else break;
    }
    let hit: (typeof ends)[number] | undefined;
    for (let e = ends.length - 1; e >= 0 && !hit; e--) {
      meter.steps += ends[e]!.length;
      if (ends[e]!.length >= 15 && ibanChecksumOk(compact.slice(0, ends[e]!.length))) hit = ends[e];
    }
    if (!hit) continue;
    for (let k = copied; k < i; k++) out.push(c[k]!);
    out.push('[iban]');
    copied = hit.at;
    i = hit.at - 1;
  }
  for (let k = copied; k < c.length; k++) out.push(c[k]!);
  return out;
}

/**
 * Numbers: a run of digit groups joined by at most two separator characters
 * (space, dot, dash, slash, parentheses), optionally led by '+' or '('.
 * A run shaped like a CPF, CNPJ or SSN is a document; any 13 to 19 digits of
 * consecutive groups passing Luhn are a card; else a run shaped like a phone
 * number (8 to 15 digits) is a phone; else any group of 9 or more digits is
 * a document.
 */
function numbers(c: Chars, meter: PiiMeter): Chars {
  const out: Chars = [];
  let i = 0;
  while (i < c.length) {
    meter.steps++;
    const lead = (c[i] === '+' || c[i] === '(') && isDigit(c[i + 1]);
    if (!lead && !isDigit(c[i])) {
      out.push(c[i]!);
      i++;
      continue;
    }
    const runStart = i;
    let j = lead ? i + 1 : i;
    const groups: Array<[number, number]> = [];
    for (;;) {
      const g = j;
      while (isDigit(c[j])) {
        j++;
        meter.steps++;
      }
      groups.push([g, j]);
      let k = j;
      while (k < c.length && k - j < 2 && SEPARATORS.has(c[k]!)) {
        k++;
        meter.steps++;
      }
      if (k === j || !isDigit(c[k])) break;
      j = k;
    }
    out.push(...classify(c, runStart, j, groups, meter));
    i = j;
  }
  return out;
}

function classify(
  c: Chars,
  start: number,
  end: number,
  groups: Array<[number, number]>,
  meter: PiiMeter,
): Chars {
  const offsets = [0];
  for (const [a, b] of groups) offsets.push(offsets.at(-1)! + b - a);
  const total = offsets.at(-1)!;
  // Fewer than 8 digits: no phone, card or document has so few.
  if (total < 8) return c.slice(start, end);
  const text = () => c.slice(start, end).join('');
  const digits = groups.map(([a, b]) => c.slice(a, b).join('')).join('');
  const short = end - start <= SHAPE_MAX;
  if (short && (CPF.test(text()) || CNPJ.test(text()) || SSN.test(text()))) return ['[document]'];

  const cards: Array<[number, number]> = [];
  for (let a = 0; a < groups.length; a++) {
    let count = 0;
    for (let b = a; b < groups.length; b++) {
      meter.steps++;
      count += groups[b]![1] - groups[b]![0];
      if (count > 19) break;
      if (count < 13) continue;
      meter.steps += count;
      if (luhn(digits.slice(offsets[a], offsets[b + 1]))) {
        cards.push([a, b]);
        a = b;
        break;
      }
    }
  }
  if (cards.length === 0 && total >= 8 && total <= 15 && short && PHONE.test(text()))
    return ['[phone]'];

  const out: Chars = [];
  let copied = start;
  const replace = (from: number, to: number, placeholder: string) => {
    for (let k = copied; k < from; k++) out.push(c[k]!);
    out.push(placeholder);
    copied = to;
  };
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const card = cards[next];
    if (card && card[0] === g) {
      replace(groups[g]![0], groups[card[1]]![1], '[card]');
      g = card[1];
      next++;
    } else if (groups[g]![1] - groups[g]![0] >= 9)
      replace(groups[g]![0], groups[g]![1], '[document]');
  }
  for (let k = copied; k < end; k++) out.push(c[k]!);
  return out;
}

/** Longest token the cut looks back over: an e-mail address is at most 254 characters. */
const CUT_LOOKBACK = 320;

/**
 * Cuts `text` at `max` without leaving part of an address or number at the
 * cut: back to the last white space (if one is near), then past any digits
 * and separators before it.
 */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  for (let k = max; k > max - CUT_LOOKBACK && k > 0; k--)
    if (SPACE.test(text[k - 1]!)) {
      cut = k - 1;
      break;
    }
  const floor = Math.max(0, cut - SHAPE_MAX - 24);
  while (cut > floor && (isDigit(text[cut - 1]) || SEPARATORS.has(text[cut - 1]!))) cut--;
  return text.slice(0, cut) + TRUNCATED;
}

/** Redacts `text` as the answer worker does: cut at PII_MAX_CHARS, then scanned. */
export function redactPii(text: string): string {
  return redactPiiWith(text, {});
}

/** redactPii with another cap (Infinity: none), counting its steps in `meter`. */
export function redactPiiWith(
  text: string,
  options: { maxChars?: number; meter?: PiiMeter },
): string {
  const meter = options.meter ?? { steps: 0 };
  const chars = Array.from(bounded(text, options.maxChars ?? PII_MAX_CHARS));
  return numbers(ibans(emails(chars, meter), meter), meter).join('');
}
