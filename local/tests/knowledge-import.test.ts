import { parseCsvKnowledge } from '../src/knowledge-import';

describe('parseCsvKnowledge()', () => {
  it('reads quoted bodies with commas, doubled quotes and line breaks', () => {
    const text =
      'title,body\r\nHours,"Mon-Fri, 9 to 5"\n"Returns","Say ""return""\nwithin 30 days"\n';
    expect(parseCsvKnowledge(text)).toEqual([
      { title: 'Hours', body: 'Mon-Fri, 9 to 5' },
      { title: 'Returns', body: 'Say "return"\nwithin 30 days' },
    ]);
  });

  it('refuses a quote left open, naming the line where its record starts', () => {
    const text = 'title,body\nHours,9 to 5\n\nReturns,"within 30 days\nShipping,free\n';
    expect(() => parseCsvKnowledge(text)).toThrow(
      'the CSV is malformed at line 4: a quoted field is not closed',
    );
  });

  it('refuses a file without title and body columns', () => {
    expect(() => parseCsvKnowledge('name,text\na,b\n')).toThrow(
      'the CSV needs a header row with "title" and "body" columns',
    );
  });
});
