import { decodeWebhookPayload, InvalidWebhookPayloadError, WhatsAppError } from '../src';
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
});
