import { toCsv } from '../src/csv-output';

describe('toCsv()', () => {
  it('quotes commas, quotes and line breaks, ends every row with CRLF, writes dates in UTC', () => {
    expect(
      toCsv(['name', 'note', 'at'], [['Silva, Ana', 'said "hi"\nand left', new Date(0)], [null]]),
    ).toBe('name,note,at\r\n"Silva, Ana","said ""hi""\nand left",1970-01-01T00:00:00.000Z\r\n\r\n');
  });

  it.each([
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-5', '-5'],
    ['+44 7700', "'+44 7700"],
  ])('keeps %j from being read as a formula', (value, cell) => {
    expect(toCsv(['v'], [[value]])).toBe(`v\r\n${cell}\r\n`);
  });
});
