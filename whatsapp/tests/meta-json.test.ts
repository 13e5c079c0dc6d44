import { metaEscape } from '../src';

describe('metaEscape()', () => {
  describe.each([
    ['plain ASCII', { a: 'hello', n: 1 }],
    ['latin accents', { name: 'Renée José Ñandú' }],
    ['emoji as surrogate pairs', { body: '😀👍🏽 ok' }],
    ['slashes and urls', { url: 'https://example.com/a/b?x=1' }],
    ['already escaped backslashes next to slashes', { path: 'C:\\dir\\/file', quote: 'say "hi"' }],
    ['control characters', { text: 'line\nbreak\ttab\u0001' }],
    ['CJK and RTL', { text: '你好 مرحبا' }],
    ['nested arrays', [{ a: ['é', '/', { b: '😀' }] }]],
  ])('with %s', (_label, value) => {
    it('round-trips through JSON.parse to the same value', () => {
      // Act
      const escaped = metaEscape(JSON.stringify(value));

      // Assert
      expect(JSON.parse(escaped)).toEqual(value);
    });

    it('leaves only ASCII and no bare slashes', () => {
      const escaped = metaEscape(JSON.stringify(value));
      expect([...escaped].every((char) => char.charCodeAt(0) <= 0x7f)).toBe(true);
      expect(escaped.replace(/\\\\/g, '')).not.toMatch(/[^\\]\//);
    });
  });

  it.each([
    ['é', '"\\u00e9"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['a/b', '"a\\/b"'],
    ['€', '"\\u20ac"'],
  ])('encodes %s as Meta does (%s)', (input, expected) => {
    expect(metaEscape(JSON.stringify(input))).toBe(expected);
  });

  it('is idempotent on already escaped text', () => {
    const once = metaEscape(JSON.stringify({ t: 'é/😀' }));
    expect(metaEscape(once)).toBe(once);
  });
});
