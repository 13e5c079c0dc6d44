import {
  checkComponents,
  fillComponents,
  normalizeWaId,
  parseAudienceCsv,
  parseCsv,
  placeholders,
} from '@waba/campaign-sender';

describe('parseCsv()', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, with their start lines', () => {
    const { records, problems } = parseCsv(
      '\uFEFFwa_id,name\r\n5511,"Silva, Ana"\n5522,"She said ""hi""\nand left"\n\n5533,Bo\n',
    );
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['wa_id', 'name'] },
      { line: 2, fields: ['5511', 'Silva, Ana'] },
      { line: 3, fields: ['5522', 'She said "hi"\nand left'] },
      { line: 6, fields: ['5533', 'Bo'] },
    ]);
  });

  it('reports a quote left open', () => {
    expect(parseCsv('a\n"open').problems).toEqual([
      { line: 2, message: 'a quoted field is not closed' },
    ]);
  });

  it('names the line a quote is left open on after blank lines and multi-line fields', () => {
    const { records, problems } = parseCsv('a,b\n"x\ny",1\n\n\n2,"open\n3,4\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ny', '1'] },
    ]);
    expect(problems).toEqual([{ line: 6, message: 'a quoted field is not closed' }]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(parseCsv('wa_id,name\n5511,Ana "Bo" Silva\n').records).toEqual([
      { line: 1, fields: ['wa_id', 'name'] },
      { line: 2, fields: ['5511', 'Ana "Bo" Silva'] },
    ]);
  });
});

describe('normalizeWaId()', () => {
  it.each([
    ['+55 (11) 98765-4321', '5511987654321'],
    ['0044 7700 900123', '447700900123'],
    ['16505551234', '16505551234'],
    // A user known only by username is named by its business-scoped user id.
    [' US.13491208655302741918 ', 'US.13491208655302741918'],
  ])('%s → %s', (raw, waId) => expect(normalizeWaId(raw)).toBe(waId));

  it.each([
    '',
    'abc',
    'US.',
    'us.123',
    '1234567',
    '0123456789',
    '1234567890123456',
    '+1 650 555 12x4',
  ])('rejects %j', (raw) => expect(normalizeWaId(raw)).toBeUndefined());
});

describe('parseAudienceCsv()', () => {
  it('returns recipients with their parameters and lines', () => {
    const r = parseAudienceCsv('name,wa_id,code\nAna,+55 11 98765-4321,X1\nBo,16505551234,Y2\n', [
      'name',
    ]);
    expect(r).toEqual({
      errors: [],
      recipients: [
        { line: 2, waId: '5511987654321', parameters: { name: 'Ana', code: 'X1' } },
        { line: 3, waId: '16505551234', parameters: { name: 'Bo', code: 'Y2' } },
      ],
    });
  });

  it('reports every bad row by line and returns no recipient at all', () => {
    const r = parseAudienceCsv(
      [
        'wa_id,name',
        '5511987654321,Ana',
        'not-a-number,Bo',
        '5511987654321,Ana again',
        '16505551234,',
        '16505550000,Cy,extra',
        '16505559999,Di',
      ].join('\n'),
      ['name'],
    );
    expect(r.recipients).toEqual([]);
    expect(r.errors).toEqual([
      {
        line: 3,
        message:
          'wa_id "not-a-number" is not a phone number in international format (8 to 15 digits) nor a business-scoped user id (e.g. US.13491208655302741918)',
      },
      { line: 4, message: 'wa_id 5511987654321 already on line 2' },
      { line: 5, message: 'empty name, used by the template' },
      { line: 6, message: '3 fields, the header has 2' },
    ]);
  });

  it('checks the header against the template placeholders', () => {
    expect(parseAudienceCsv('phone,name\n1,2\n', ['name', 'code']).errors).toEqual([
      { line: 1, message: 'the header has no wa_id column' },
      { line: 1, message: 'the template uses {{code}} but there is no code column' },
    ]);
    expect(parseAudienceCsv('', []).errors).toEqual([{ line: 1, message: 'the file is empty' }]);
  });
});

describe('template components', () => {
  const components = [
    { type: 'header', parameters: [{ type: 'text', text: '{{ name }}' }] },
    {
      type: 'body',
      parameters: [
        { type: 'text', text: 'Hi {{name}}, code {{code}}' },
        { type: 'currency', currency: { fallback_value: '$5', code: 'USD', amount_1000: 5000 } },
      ],
    },
  ];

  it('lists and fills placeholders anywhere in the components', () => {
    expect(placeholders(components)).toEqual(['code', 'name']);
    expect(fillComponents(components, { name: 'Ana', code: 'X1' })).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'Ana' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Hi Ana, code X1' },
          { type: 'currency', currency: { fallback_value: '$5', code: 'USD', amount_1000: 5000 } },
        ],
      },
    ]);
  });

  it('refuses to send with a value missing', () => {
    expect(() => fillComponents(components, { name: 'Ana' })).toThrow('no value for {{code}}');
  });

  it('checks the shape Meta expects', () => {
    expect(checkComponents(components)).toEqual([]);
    expect(checkComponents({ type: 'body' })).toEqual(['components must be a JSON array']);
    expect(checkComponents([{ parameters: [] }])).toEqual([
      'component 1 must be an object with a "type"',
    ]);
  });
});
