import { splitText } from '../src';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const chars = (text: string): number => Array.from(text).length;
const nonWhitespace = (text: string): string => text.replace(/\s+/g, '');

const paragraph = (letter: string, words: number): string =>
  Array.from({ length: words }, () => letter.repeat(9)).join(' ');

describe('splitText()', () => {
  describe.each<[string, string, number, number]>([
    ['a short message', 'Hello, how can I help?', 4096, 1],
    ['exactly 4096 characters', 'a'.repeat(4096), 4096, 1],
    ['4096 emoji (8192 UTF-16 units)', '😀'.repeat(4096), 4096, 1],
    ['4097 characters', 'a'.repeat(4097), 4096, 2],
    [
      'three 2000-character paragraphs',
      [1, 2, 3].map(() => 'p'.repeat(2000)).join('\n\n'),
      4096,
      2,
    ],
    [
      'three 3000-character paragraphs',
      [1, 2, 3].map(() => 'p'.repeat(3000)).join('\n\n'),
      4096,
      3,
    ],
    ['a 10,000-character word', 'x'.repeat(10_000), 4096, 3],
    ['many short lines', Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n'), 4096, 5],
    ['words over a small limit', 'one two three four five six', 10, 3],
    ['emoji without spaces at a small limit', '😀'.repeat(25), 10, 3],
  ])('%s', (_label, body, max, expectedParts) => {
    it(`gives ${expectedParts} part(s), each within the limit, losing no content`, () => {
      // Act
      const parts = splitText(body, max);

      // Assert
      expect(parts).toHaveLength(expectedParts);
      for (const part of parts) {
        expect(chars(part)).toBeLessThanOrEqual(max);
        expect(part.trim()).not.toBe('');
        expect(part).not.toMatch(LONE_SURROGATE);
      }
      expect(nonWhitespace(parts.join(''))).toBe(nonWhitespace(body));
    });
  });

  it('returns [] for an empty or blank body', () => {
    expect(splitText('')).toEqual([]);
    expect(splitText(' \n\n\t ')).toEqual([]);
  });

  it('returns a short body unchanged, inner and outer whitespace included', () => {
    // Arrange
    const body = '  indented\n\n  and spaced  ';

    // Act / Assert
    expect(splitText(body)).toEqual([body]);
  });

  it('cuts at the last paragraph break before the limit, not at a line break', () => {
    // Arrange: three paragraphs of ~1500 characters with line breaks inside them.
    const paragraphs = ['a', 'b', 'c'].map((letter) =>
      [paragraph(letter, 75), paragraph(letter, 75)].join('\n'),
    );
    const body = paragraphs.join('\n\n');

    // Act
    const parts = splitText(body);

    // Assert
    expect(parts).toEqual([`${paragraphs[0]}\n\n${paragraphs[1]}`, paragraphs[2]]);
  });

  it('cuts at a line break when no paragraph break fits', () => {
    // Arrange
    const body = `${'a'.repeat(3000)}\n${'b'.repeat(3000)}`;

    // Act / Assert
    expect(splitText(body)).toEqual(['a'.repeat(3000), 'b'.repeat(3000)]);
  });

  it('cuts at the last space when there is no line break', () => {
    // Arrange
    const body = `${'a'.repeat(4000)} ${'b'.repeat(50)} ${'c'.repeat(100)}`;

    // Act / Assert
    expect(splitText(body)).toEqual([`${'a'.repeat(4000)} ${'b'.repeat(50)}`, 'c'.repeat(100)]);
  });

  it('does not cut at a non-breaking space', () => {
    // Arrange
    const body = 'aaaa bbb\u00a0ccc';

    // Act / Assert
    expect(splitText(body, 10)).toEqual(['aaaa', 'bbb\u00a0ccc']);
  });

  it('hard-cuts a 10,000-character word into 4096 + 4096 + 1808', () => {
    // Act
    const parts = splitText('x'.repeat(10_000));

    // Assert
    expect(parts.map(chars)).toEqual([4096, 4096, 1808]);
  });

  it('keeps an emoji that straddles the limit whole', () => {
    // Arrange: the emoji is character 4096; in UTF-16 it spans indices 4095 and 4096.
    const body = `${'a'.repeat(4095)}😀${'b'.repeat(10)}`;

    // Act
    const parts = splitText(body);

    // Assert
    expect(parts).toEqual([`${'a'.repeat(4095)}😀`, 'b'.repeat(10)]);
  });

  it('moves an emoji that would not fit to the next part instead of halving it', () => {
    // Arrange: character 4097 is the emoji.
    const body = `${'a'.repeat(4096)}😀`;

    // Act / Assert
    expect(splitText(body)).toEqual(['a'.repeat(4096), '😀']);
  });

  it('keeps a ZWJ family emoji whole on a hard cut', () => {
    // Arrange: 👨‍👩‍👧 is 5 code points; a cut at 10 would land inside it.
    const family = '👨‍👩‍👧';
    const body = `${'a'.repeat(7)}${family}${'b'.repeat(3)}`;

    // Act
    const parts = splitText(body, 10);

    // Assert
    expect(parts).toEqual(['a'.repeat(7), `${family}bbb`]);
  });

  it('drops the blank lines at a cut but keeps the next line indentation', () => {
    // Arrange
    const body = `${'a'.repeat(8)}\n\n\n  indented`;

    // Act / Assert
    expect(splitText(body, 12)).toEqual(['a'.repeat(8), '  indented']);
  });

  it('rejects a limit below 1', () => {
    expect(() => splitText('text', 0)).toThrow(RangeError);
  });
});
