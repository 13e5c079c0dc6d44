import { AnswerWorkerError } from './errors';

/** Longest keyword an operator may set, in characters. */
export const MAX_KEYWORD_LENGTH = 80;
/** Most keywords in one list (handoff keywords, or one rule's keywords). */
export const MAX_KEYWORDS = 100;

/** An operator-supplied keyword list that cannot be used; the message says why. */
export class KeywordError extends AnswerWorkerError {
  override name = 'KeywordError';
}

/** Lower case without accents, so "AtendÊNCIA" matches "atendencia". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const WORD = /[\p{L}\p{N}\p{M}\p{Pc}]/u;
// Scripts written without spaces between words: a keyword in them matches
// inside a run of letters ("人工" in "我要人工服务").
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const isWord = (ch: string | undefined) => ch !== undefined && WORD.test(ch);
const needsBoundary = (ch: string) => isWord(ch) && !UNSPACED.test(ch);

/** The code point that ends just before UTF-16 index `i`. */
function charBefore(s: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const low = s.charCodeAt(i - 1);
  const start = low >= 0xdc00 && low <= 0xdfff && i >= 2 ? i - 2 : i - 1;
  return String.fromCodePoint(s.codePointAt(start)!);
}

function charAt(s: string, i: number): string | undefined {
  const cp = s.codePointAt(i);
  return cp === undefined ? undefined : String.fromCodePoint(cp);
}

/**
 * Whether `keyword` occurs in `text` as whole words. Both are already folded.
 * Plain string search, no pattern is built from operator text: `c++` or
 * `(a|a)*b` are just characters. A keyword edge that is a letter or digit
 * must not touch another letter or digit (Unicode-aware, so "да" does not
 * match inside "когда"), except in scripts written without spaces.
 */
function occursAsWords(text: string, keyword: string): boolean {
  const first = charAt(keyword, 0)!;
  const last = charBefore(keyword, keyword.length)!;
  const checkStart = needsBoundary(first);
  const checkEnd = needsBoundary(last);
  for (let i = text.indexOf(keyword); i >= 0; i = text.indexOf(keyword, i + 1)) {
    if (checkStart && isWord(charBefore(text, i))) continue;
    if (checkEnd && isWord(charAt(text, i + keyword.length))) continue;
    return true;
  }
  return false;
}

/**
 * One matcher for every operator keyword list (handoff keywords and the
 * rules agent's rules): folds the keywords once and returns a test for a
 * customer's text. Empty keywords never match.
 */
export function keywordMatcher(keywords: readonly string[]): (text: string) => boolean {
  const folded = [...new Set(keywords.map((k) => fold(k.trim())).filter((k) => k.length > 0))];
  if (folded.length === 0) return () => false;
  return (text) => {
    const t = fold(text);
    return folded.some((k) => occursAsWords(t, k));
  };
}

/**
 * Checks a keyword list an operator is about to store and returns it trimmed:
 * no empty keyword, none longer than MAX_KEYWORD_LENGTH, at most MAX_KEYWORDS.
 */
export function validateKeywords(keywords: readonly string[], what = 'keyword'): string[] {
  if (keywords.length > MAX_KEYWORDS)
    throw new KeywordError(`at most ${MAX_KEYWORDS} ${what}s, got ${keywords.length}`);
  return keywords.map((raw, i) => {
    const k = raw.trim();
    if (fold(k).length === 0) throw new KeywordError(`${what} ${i + 1} is empty`);
    if ([...k].length > MAX_KEYWORD_LENGTH)
      throw new KeywordError(
        `${what} ${i + 1} is longer than ${MAX_KEYWORD_LENGTH} characters: ${JSON.stringify(k.slice(0, 20))}…`,
      );
    return k;
  });
}
