function unicodeEscape(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).padStart(4, '0')}`;
}

/**
 * Re-encode JSON text the way Meta puts it on the wire: non-ASCII UTF-16 code
 * units as lowercase `\uXXXX` (emoji become surrogate pairs) and `/` as `\/`.
 * Signatures are computed over this form, so tests and the sandbox need it to
 * produce bodies that behave like real ones. Existing escape sequences are
 * copied untouched, so escaping twice is harmless.
 */
export function metaEscape(json: string): string {
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const char = json[i] as string;
    const code = json.charCodeAt(i);
    if (char === '\\') {
      const next = json[i + 1] ?? '';
      const length = next === 'u' ? 6 : 2;
      out += json.slice(i, i + length);
      i += length - 1;
    } else if (char === '/') {
      out += '\\/';
    } else if (code > 0x7f) {
      out += unicodeEscape(code);
    } else {
      out += char;
    }
  }
  return out;
}
