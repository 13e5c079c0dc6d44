import {
  decodeWebhookPayload,
  InvalidWebhookPayloadError,
  MAX_JSON_DEPTH,
  WhatsAppError,
} from '../src';
import { signedBody, templateStatusEntry, webhookPayload } from '../src/testing';

describe('decodeWebhookPayload()', () => {
  it('decodes a Buffer holding an escaped body, normalising entry.time to a string', () => {
    // Arrange
    const payload = webhookPayload({
      entries: [templateStatusEntry({ event: 'APPROVED', templateId: 1, templateName: 'olá/1' })],
    });
    const { raw } = signedBody(payload, 's');

    // Act
    const decoded = decodeWebhookPayload(Buffer.from(raw));

    // Assert
    expect(decoded).toEqual({
      ...payload,
      entry: payload.entry.map((entry) => ({ ...entry, time: String(entry.time) })),
    });
  });

  it.each([
    ['invalid JSON', '{"object":', 'webhook body is not JSON'],
    [
      'a non-WhatsApp envelope',
      '{"object":"page","entry":[]}',
      'webhook body is not a WhatsApp envelope',
    ],
  ])('throws InvalidWebhookPayloadError for %s', (_label, raw, message) => {
    // Act
    const act = () => decodeWebhookPayload(raw);

    // Assert
    expect(act).toThrow(InvalidWebhookPayloadError);
    expect(act).toThrow(WhatsAppError);
    expect(act).toThrow(message);
  });

  it('lists the issues and sets its name', () => {
    try {
      decodeWebhookPayload('{"object":"page"}');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidWebhookPayloadError);
      expect((error as InvalidWebhookPayloadError).name).toBe('InvalidWebhookPayloadError');
      expect((error as InvalidWebhookPayloadError).issues.length).toBeGreaterThan(0);
    }
  });

  describe('on bodies built to break parsers', () => {
    const envelope = (value: string) =>
      `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"x":${value}}}]}]}`;

    it('refuses a body nested deeper than MAX_JSON_DEPTH with InvalidWebhookPayloadError', () => {
      // 5,000 levels: about 10 KB, enough to overflow a recursive stringify downstream.
      const raw = envelope('['.repeat(5_000) + ']'.repeat(5_000));

      const act = () => decodeWebhookPayload(raw);

      expect(act).toThrow(InvalidWebhookPayloadError);
      expect(act).toThrow(`deeper than ${MAX_JSON_DEPTH} levels`);
    });

    it('decodes a body exactly MAX_JSON_DEPTH deep', () => {
      // The envelope itself takes 6 levels down to `x`'s value.
      const levels = MAX_JSON_DEPTH - 6;
      const raw = envelope('['.repeat(levels) + ']'.repeat(levels));

      expect(decodeWebhookPayload(raw).entry).toHaveLength(1);
    });

    it.each([
      ['a phone_number_id', '{"metadata":{"display_phone_number":"1","phone_number_id":%}}'],
      ['an entry id', null],
    ])(
      'throws InvalidWebhookPayloadError, not a TypeError, when %s has an unconvertible length',
      (_label, value) => {
        // zod reads `.length` of a non-string before its min(1) check and compares it with 1.
        const hostile = '{"length":{"toString":0}}';
        const raw =
          value === null
            ? `{"object":"whatsapp_business_account","entry":[{"id":${hostile},"changes":[]}]}`
            : `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":${value.replace('%', hostile)}}]}]}`;

        expect(() => decodeWebhookPayload(raw)).toThrow(InvalidWebhookPayloadError);
      },
    );
  });
});
