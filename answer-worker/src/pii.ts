/**
 * Replaces personal data with placeholders before text reaches a model (and
 * in what the model says back): e-mail addresses, payment card numbers (Luhn
 * checked), document numbers (CPF/CNPJ-like and long digit runs), and phone
 * numbers. Placeholders keep the sentence readable: "[email]".
 */
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;
const CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
const CPF = /\b\d{3}\.\d{3}\.\d{3}-\d{2}\b|\b\d{2}\.\d{3}\.\d{3}\/\d{4}-\d{2}\b/g;
const PHONE = /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}[\s.-]?\d{3,5}[\s.-]?\d{3,5}\b/g;
const LONG_DIGITS = /\b\d{9,}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function redactPii(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(CPF, '[document]')
    .replace(CARD, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? '[card]' : m;
    })
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 8 ? '[phone]' : m))
    .replace(LONG_DIGITS, '[document]');
}
