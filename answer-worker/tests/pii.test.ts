import fc from 'fast-check';
import {
  PII_MAX_CHARS,
  PII_PATTERNS,
  redactPii,
  redactPiiWith,
  TRUNCATED,
  type PiiMeter,
} from '@waba/answer-worker';

/** `body` followed by its Luhn check digit. */
function withLuhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** An IBAN with correct check digits for a country code and a BBAN. */
function iban(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`]
    .map((ch) => (/\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55)))
    .join('');
  let rest = 0;
  for (const d of numeric) rest = (rest * 10 + Number(d)) % 97;
  return `${country}${String(98 - rest).padStart(2, '0')}${bban}`;
}

const grouped = (s: string, size: number, sep: string) =>
  (s.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join(sep);

describe('redactPii()', () => {
  it.each([
    ['write to joao.silva+x@exemplo.com.br now', 'write to [email] now'],
    ['bob@ex.com123', '[email]123'],
    ['card 4111 1111 1111 1111.', 'card [card].'],
    ['card 4111.1111.1111.1111 ok', 'card [card] ok'],
    ['card 4111-1111-1111-1111', 'card [card]'],
    ['card 4111111111111111', 'card [card]'],
    ['cpf 123.456.789-09, cnpj 12.345.678/0001-95', 'cpf [document], cnpj [document]'],
    ['ssn 123-45-6789 or 123 45 6789', 'ssn [document] or [document]'],
    ['iban DE89 3704 0044 0532 0130 00 thanks', 'iban [iban] thanks'],
    ['iban GB82WEST12345698765432', 'iban [iban]'],
    ['iban de89-3704-0044-0532-0130-00', 'iban [iban]'],
    ['call +55 11 98765-4321 or (11) 98765-4321', 'call [phone] or [phone]'],
    ['call +1 (555) 123-4567', 'call [phone]'],
    ['id 12345678901234567890123', 'id [document]'],
    // Not personal data: left as it was.
    ['on 2026-12-01 10:30, 01/12/2026, 01.12.2026', 'on 2026-12-01 10:30, 01/12/2026, 01.12.2026'],
    ['R$ 1.234,56 for order 42', 'R$ 1.234,56 for order 42'],
    ['card 4111 1111 1111 1112 fails Luhn', 'card 4111 1111 1111 1112 fails Luhn'],
    ['fake DE00 1234 5678 9012 3456 78', 'fake DE00 1234 5678 9012 3456 78'],
    ['a @ sign, a.b and @handle', 'a @ sign, a.b and @handle'],
  ])('%j becomes %j', (text, expected) => {
    expect(redactPii(text)).toBe(expected);
  });

  it('cuts long text at PII_MAX_CHARS without leaving part of a number at the cut', () => {
    const text = `${'x'.repeat(PII_MAX_CHARS - 10)} 4111 1111 1111 1111 and more`;
    const out = redactPii(text);
    expect(out.length).toBeLessThanOrEqual(PII_MAX_CHARS + TRUNCATED.length);
    expect(out.endsWith(TRUNCATED)).toBe(true);
    expect(out).not.toMatch(/\d/);
  });

  describe('on adversarial strings (fast-check)', () => {
    const noise = fc.string({ unit: 'binary', maxLength: 200 });
    const plant = <T>(pii: fc.Arbitrary<T>) => fc.record({ before: noise, pii, after: noise });
    const sep = fc.constantFrom('', ' ', '-', '.');

    const card = fc
      .tuple(fc.constantFrom('4', '51', '37', '6011'), fc.stringMatching(/^\d{14}$/), sep)
      .map(([prefix, rest, s]) => {
        const number = withLuhn((prefix + rest).slice(0, 15));
        return { digits: number, text: grouped(number, 4, s) };
      });
    const ibans = fc
      .tuple(
        fc.stringMatching(/^[A-Z]{2}$/),
        fc.stringMatching(/^[A-Z0-9]{11,30}$/),
        fc.constantFrom('', ' ', '-'),
      )
      .map(([country, bban, s]) => {
        const compact = iban(country, bban);
        return { compact, text: s ? grouped(compact, 4, s) : compact };
      });
    const email = fc
      .tuple(
        fc.stringMatching(/^[a-z0-9][a-z0-9._%+-]{0,20}$/),
        fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/),
        fc.stringMatching(/^[a-z]{2,6}$/),
      )
      .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

    it('never lets a planted card number through, however it is grouped', () => {
      fc.assert(
        fc.property(plant(card), ({ before, pii, after }) => {
          const out = redactPii(`${before} ${pii.text} ${after}`);
          expect(out).not.toContain(pii.text);
          expect(out.replace(/\D/g, '')).not.toContain(pii.digits);
        }),
        { numRuns: 500 },
      );
    });

    it('never lets a planted IBAN through', () => {
      fc.assert(
        fc.property(plant(ibans), ({ before, pii, after }) => {
          const out = redactPii(`${before} ${pii.text} ${after}`);
          expect(out).not.toContain(pii.text);
          expect(out.replace(/[^A-Z0-9]/gi, '').toUpperCase()).not.toContain(pii.compact);
        }),
        { numRuns: 500 },
      );
    });

    it('never lets a planted e-mail address through', () => {
      fc.assert(
        fc.property(plant(email), ({ before, pii, after }) => {
          expect(redactPii(`${before} ${pii} ${after}`)).not.toContain(pii);
        }),
        { numRuns: 500 },
      );
    });

    const steps = (text: string) => {
      const meter: PiiMeter = { steps: 0 };
      redactPiiWith(text, { maxChars: Infinity, meter });
      return meter.steps;
    };

    it('takes a number of steps proportional to the length of any string', () => {
      const text = fc.string({
        unit: fc.constantFrom(...'aA1 .-@+(/)x9DE\u00e9'),
        maxLength: 3000,
      });
      fc.assert(
        fc.property(text, (s) => {
          expect(steps(s)).toBeLessThanOrEqual(128 * (s.length + 1));
        }),
        { numRuns: 300 },
      );
    });

    it.each([
      ['a long local part without @', (n: number) => 'a'.repeat(n)],
      ['a long local part, then @', (n: number) => `${'a'.repeat(n)}@`],
      ['many @', (n: number) => 'a@'.repeat(n / 2)],
      ['a domain that never gets a TLD', (n: number) => `a@${'a.1'.repeat(n / 3)}`],
      ['dotted labels after @', (n: number) => `a@${'a.'.repeat(n / 2)}`],
      ['digits and single separators', (n: number) => '1 '.repeat(n / 2)],
      ['digits and dashes', (n: number) => '12-'.repeat(n / 3)],
      ['one long digit run', (n: number) => '7'.repeat(n)],
      ['IBAN-like starts', (n: number) => 'DE00 '.repeat(n / 5)],
      ['IBAN-like groups', (n: number) => `DE89 ${'AB12 '.repeat(n / 5)}`],
      ['phones back to back', (n: number) => '+1 (555) '.repeat(n / 9)],
    ])('scales linearly on %s', (_what, make) => {
      const small = steps(make(16_000));
      const large = steps(make(64_000));
      expect(large / small).toBeLessThan(4.5);
      expect(large).toBeLessThanOrEqual(128 * 64_000);
    });
  });

  it('tests one character at a time, or bounded candidates with anchored patterns free of unbounded quantifiers', () => {
    for (const re of PII_PATTERNS) {
      const oneCharacter = /^(\[[^\]]+\]|\\p\{[\w=]+\})$/.test(re.source);
      const anchoredAndBounded =
        re.source.startsWith('^') &&
        re.source.endsWith('$') &&
        !/(^|[^\\])[*+]|\{\d+,\}/.test(re.source.replace(/\[[^\]]*\]/g, 'C'));
      expect({ pattern: re.source, ok: oneCharacter || anchoredAndBounded }).toEqual({
        pattern: re.source,
        ok: true,
      });
    }
  });
});
