import { signPayload, verifySignature } from '../src';
import { metaEscape } from '../src/meta-json';

// Captured the way Meta sends it: escaped unicode and slashes. The signature was
// computed independently with `openssl dgst -sha256 -hmac golden-app-secret`.
const GOLDEN_SECRET = 'golden-app-secret';
const GOLDEN_RAW =
  '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ren\\u00e9e"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUYzNjY1RjE4MjE0NzhGOEE0MQA=","timestamp":"1718000000","text":{"body":"Caf\\u00e9 \\ud83d\\ude00 https:\\/\\/example.com\\/menu"},"type":"text"}]},"field":"messages"}]}]}';
const GOLDEN_SIGNATURE = 'sha256=fffb63aff43e02e58a5effbabe25539a8ed9f818237cc1387bd20b7f241862c0';

describe('signPayload()', () => {
  it('produces the golden Meta signature over the escaped bytes', () => {
    // Act
    const signature = signPayload(GOLDEN_RAW, GOLDEN_SECRET);

    // Assert
    expect(signature).toBe(GOLDEN_SIGNATURE);
  });

  it('signs a Buffer and a string of the same bytes identically', () => {
    expect(signPayload(Buffer.from(GOLDEN_RAW, 'utf8'), GOLDEN_SECRET)).toBe(
      signPayload(GOLDEN_RAW, GOLDEN_SECRET),
    );
  });

  it('returns sha256= followed by 64 lowercase hex characters', () => {
    expect(signPayload('{}', 's')).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});

describe('verifySignature()', () => {
  const raw = Buffer.from(GOLDEN_RAW, 'utf8');

  it('accepts the golden body signed over its raw bytes', () => {
    expect(verifySignature(raw, GOLDEN_SIGNATURE, [GOLDEN_SECRET])).toBe(true);
  });

  it('rejects the same payload re-serialised by JSON.stringify', () => {
    // Arrange: parsing and re-serialising unescapes é, 😀 and the slashes.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(GOLDEN_RAW)), 'utf8');

    // Act
    const valid = verifySignature(reserialised, GOLDEN_SIGNATURE, [GOLDEN_SECRET]);

    // Assert
    expect(reserialised.equals(raw)).toBe(false);
    expect(valid).toBe(false);
  });

  it('accepts the re-serialised payload again once metaEscape restores the wire form', () => {
    const reescaped = Buffer.from(metaEscape(JSON.stringify(JSON.parse(GOLDEN_RAW))), 'utf8');
    expect(verifySignature(reescaped, GOLDEN_SIGNATURE, [GOLDEN_SECRET])).toBe(true);
  });

  it('accepts uppercase hex', () => {
    const upper = `sha256=${GOLDEN_SIGNATURE.slice('sha256='.length).toUpperCase()}`;
    expect(verifySignature(raw, upper, [GOLDEN_SECRET])).toBe(true);
  });

  it('rejects a body that differs by one byte', () => {
    const tampered = Buffer.from(GOLDEN_RAW.replace('1718000000', '1718000001'), 'utf8');
    expect(verifySignature(tampered, GOLDEN_SIGNATURE, [GOLDEN_SECRET])).toBe(false);
  });

  describe.each([
    ['wrong length (63 hex)', GOLDEN_SIGNATURE.slice(0, -1)],
    ['wrong length (65 hex)', `${GOLDEN_SIGNATURE}0`],
    ['non-hex characters', `sha256=${'z'.repeat(64)}`],
    ['missing sha256= prefix', GOLDEN_SIGNATURE.slice('sha256='.length)],
    ['sha1 prefix', `sha1=${GOLDEN_SIGNATURE.slice('sha256='.length)}`],
    ['empty header', ''],
    ['blank header', '   '],
    ['prefix only', 'sha256='],
    ['undefined header', undefined],
    ['null header', null],
    ['unicode garbage', 'sha256=é😀'.repeat(10)],
  ])('with a header that is %s', (_label, header) => {
    it('returns false without throwing', () => {
      expect(() => verifySignature(raw, header, [GOLDEN_SECRET])).not.toThrow();
      expect(verifySignature(raw, header, [GOLDEN_SECRET])).toBe(false);
    });
  });

  describe('secret rotation', () => {
    it.each([
      ['current secret first', [GOLDEN_SECRET, 'previous-secret'], true],
      ['second (previous) secret matches', ['new-secret', GOLDEN_SECRET], true],
      ['only unknown secrets', ['new-secret', 'previous-secret'], false],
      ['no secrets', [], false],
      ['empty and blank secrets are ignored', ['', '  '], false],
    ])('%s → %s', (_label, secrets, expected) => {
      expect(verifySignature(raw, GOLDEN_SIGNATURE, secrets)).toBe(expected);
    });

    it('never treats an empty secret as a valid key', () => {
      // Arrange: a header an attacker could compute for the empty key.
      const header = signPayload(raw, '');

      // Act / Assert
      expect(verifySignature(raw, header, ['', GOLDEN_SECRET])).toBe(false);
    });
  });

  it('verifies a Buffer holding bytes that are not valid UTF-8', () => {
    // Arrange: decoding these to a string would replace them with U+FFFD.
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x7d]);
    const header = signPayload(bytes, GOLDEN_SECRET);

    // Act / Assert
    expect(verifySignature(bytes, header, [GOLDEN_SECRET])).toBe(true);
    expect(
      verifySignature(Buffer.from(bytes.toString('utf8'), 'utf8'), header, [GOLDEN_SECRET]),
    ).toBe(false);
  });
});
