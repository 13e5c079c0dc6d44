import {
  decodeWebhookPayload,
  isMessagesField,
  parseStatus,
  verifySignature,
} from '@waba/whatsapp';
import {
  DEFAULT_DISPLAY_PHONE_NUMBER,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  messagesEntry,
  signedBody,
  status,
  textMessage,
  wamid,
  webhookPayload,
} from '@waba/whatsapp/testing';

describe('testing builders', () => {
  it('resolves through the package exports map with Meta-like defaults', () => {
    // Arrange / Act
    const entry = messagesEntry({ messages: [textMessage({ from: '16505550000', body: 'hi' })] });

    // Assert
    expect(entry.id).toBe(DEFAULT_WABA_ID);
    expect(entry.changes[0]?.value).toMatchObject({
      metadata: {
        phone_number_id: DEFAULT_PHONE_NUMBER_ID,
        display_phone_number: DEFAULT_DISPLAY_PHONE_NUMBER,
      },
      contacts: [{ wa_id: '16505550000', profile: { name: expect.any(String) } }],
    });
  });

  it('generates wamids shaped like Meta and unique per call', () => {
    // Act
    const ids = [wamid('16505551234'), wamid('16505551234')];

    // Assert
    expect(ids[0]).toMatch(/^wamid\.[A-Za-z0-9+/]+=*$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(Buffer.from(ids[0]!.slice(6), 'base64').toString('latin1')).toContain('16505551234');
  });

  it('builds a realistic sent status with pricing and conversation', () => {
    const result = parseStatus(status({ id: wamid(), status: 'sent', bizOpaque: 'c-1' }));
    expect(result.data).toMatchObject({
      biz_opaque_callback_data: 'c-1',
      pricing: { pricing_model: 'PMP' },
      conversation: { origin: { type: expect.any(String) } },
    });
  });

  describe('signedBody()', () => {
    it('produces an escaped wire body that verifies and decodes back to the payload', () => {
      // Arrange
      const payload = webhookPayload({
        entries: [messagesEntry({ messages: [textMessage({ body: 'Olá 😀 https://x.y/z' })] })],
      });

      // Act
      const { raw, signature } = signedBody(payload, 'secret');

      // Assert
      expect(raw).toContain('Ol\\u00e1 \\ud83d\\ude00 https:\\/\\/x.y\\/z');
      expect(verifySignature(Buffer.from(raw), signature, ['secret'])).toBe(true);
      const decoded = decodeWebhookPayload(raw);
      const change = decoded.entry[0]?.changes[0];
      expect(change && isMessagesField(change) && change.value.messages).toEqual(
        payload.entry[0]?.changes[0]?.value['messages'],
      );
    });
  });
});
