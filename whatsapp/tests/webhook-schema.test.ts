import {
  isMessagesField,
  parseContact,
  parseInboundMessage,
  parseStatus,
  parseWebhookError,
  parseWebhookPayload,
} from '../src';
import {
  ALL_MESSAGE_TYPES,
  accountUpdateEntry,
  messagesEntry,
  qualityUpdateEntry,
  status,
  templateStatusEntry,
  textMessage,
  wamid,
  webhookPayload,
} from '../src/testing';

describe('parseInboundMessage()', () => {
  describe.each(ALL_MESSAGE_TYPES.map((f) => [f.name, f] as const))(
    'for a %s message',
    (_name, fixture) => {
      it('parses and keeps its type object', () => {
        // Act
        const result = parseInboundMessage(fixture.message);

        // Assert
        expect(result.success).toBe(true);
        expect(result.data?.type).toBe(fixture.type);
        expect(result.data).toEqual(fixture.message);
      });
    },
  );

  it('parses an unknown type and keeps its unknown fields', () => {
    // Arrange
    const raw = {
      from: '1',
      id: wamid('1'),
      timestamp: '1718000000',
      type: 'hologram',
      hologram: { x: 1 },
    };

    // Act
    const result = parseInboundMessage(raw);

    // Assert
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ type: 'hologram', hologram: { x: 1 } });
  });

  it('accepts a numeric timestamp and normalises it to a string', () => {
    const result = parseInboundMessage({ ...textMessage({ body: 'hi' }), timestamp: 1718000000 });
    expect(result.data?.timestamp).toBe('1718000000');
  });

  it('keeps context, referral and unknown nested fields', () => {
    // Arrange
    const raw = {
      ...textMessage({ body: 'hi', context: { forwarded: true, frequently_forwarded: true } }),
      referral: {
        source_url: 'https://fb.me/x',
        source_type: 'ad',
        ctwa_clid: 'abc',
        brand_new: 1,
      },
      text: { body: 'hi', future_field: true },
    };

    // Act
    const result = parseInboundMessage(raw);

    // Assert
    expect(result.success).toBe(true);
    expect(result.data).toEqual(raw);
  });

  it('reads a message from a user known only by username (from_user_id, no from)', () => {
    const raw = { from_user_id: 'US.1', id: 'wamid.x', timestamp: '1', type: 'text' };
    expect(parseInboundMessage(raw)).toMatchObject({
      success: true,
      data: { from_user_id: 'US.1' },
    });
  });

  it.each([
    ['missing id', { from: '1', timestamp: '1', type: 'text' }],
    ['non-numeric timestamp', { from: '1', id: 'wamid.x', timestamp: 'yesterday', type: 'text' }],
    [
      'text body is not a string',
      { from: '1', id: 'wamid.x', timestamp: '1', type: 'text', text: { body: 5 } },
    ],
    ['not an object', 'wamid.x'],
    ['null', null],
  ])('fails for %s', (_label, raw) => {
    expect(parseInboundMessage(raw).success).toBe(false);
  });
});

describe('parseStatus()', () => {
  const id = wamid('16505551234');

  it.each([
    [
      'sent with conversation and pricing',
      status({ id, status: 'sent', bizOpaque: 'campaign:42' }),
    ],
    ['delivered', status({ id, status: 'delivered' })],
    ['read without pricing', status({ id, status: 'read' })],
    ['failed with errors', status({ id, status: 'failed' })],
    ['played (voice)', status({ id, status: 'played' })],
    ['deleted', status({ id, status: 'deleted' })],
    ['an unknown future status', status({ id, status: 'teleported' })],
    ['a numeric timestamp', { ...status({ id, status: 'sent' }), timestamp: 1718000000 }],
    [
      'old CBP pricing',
      status({
        id,
        status: 'sent',
        pricing: { billable: true, pricing_model: 'CBP', category: 'utility' },
      }),
    ],
    [
      'recipient_type and unknown fields',
      { ...status({ id, status: 'read' }), recipient_type: 'individual', extra: [1] },
    ],
  ])('parses %s', (_label, raw) => {
    // Act
    const result = parseStatus(raw);

    // Assert
    expect(result.success).toBe(true);
    expect(typeof result.data?.timestamp).toBe('string');
  });

  it('exposes the failure error shape', () => {
    const result = parseStatus(status({ id, status: 'failed' }));
    expect(result.data?.errors?.[0]).toMatchObject({
      code: 131026,
      error_data: { details: expect.any(String) },
    });
  });

  it.each([
    ['missing id', { status: 'sent', timestamp: '1', recipient_id: '1' }],
    [
      'error without numeric code',
      { ...status({ id, status: 'failed' }), errors: [{ code: 'x' }] },
    ],
  ])('fails for %s', (_label, raw) => {
    expect(parseStatus(raw).success).toBe(false);
  });
});

describe('parseContact()', () => {
  it.each([
    ['with profile name', { profile: { name: 'Renée' }, wa_id: '16505551234' }],
    ['with user_id', { profile: { name: 'A' }, wa_id: '1', user_id: 'US.13491208655302741918' }],
    ['without profile', { wa_id: '1' }],
  ])('parses a contact %s', (_label, raw) => {
    expect(parseContact(raw).success).toBe(true);
  });

  it('fails without wa_id', () => {
    expect(parseContact({ profile: { name: 'x' } }).success).toBe(false);
  });
});

describe('parseWebhookError()', () => {
  it('parses the error shape and rejects one without code', () => {
    expect(parseWebhookError({ code: 131000, title: 'Something went wrong' }).success).toBe(true);
    expect(parseWebhookError({ title: 'no code' }).success).toBe(false);
  });
});

describe('parseWebhookPayload()', () => {
  it('parses a payload with every message type, statuses and errors in one change', () => {
    // Arrange
    const payload = webhookPayload({
      entries: [
        messagesEntry({
          messages: ALL_MESSAGE_TYPES.map((f) => f.message),
          statuses: [status({ id: wamid(), status: 'delivered' })],
          errors: [{ code: 131000, title: 'Something went wrong' }],
        }),
      ],
    });

    // Act
    const result = parseWebhookPayload(payload);

    // Assert
    expect(result.success).toBe(true);
    const change = result.data?.entry[0]?.changes[0];
    expect(change && isMessagesField(change)).toBe(true);
    if (change && isMessagesField(change)) {
      expect(change.value.metadata.phone_number_id).toBe('106540352242922');
      expect(change.value.messages).toHaveLength(ALL_MESSAGE_TYPES.length);
    }
  });

  it.each([
    [
      'template status',
      templateStatusEntry({ event: 'APPROVED', templateId: 1234, templateName: 'welcome' }),
    ],
    ['quality update', qualityUpdateEntry({ event: 'DOWNGRADE' })],
    ['account update', accountUpdateEntry({ event: 'ACCOUNT_RESTRICTION' })],
    [
      'an unknown field',
      { id: '102290129340398', changes: [{ field: 'hologram_update', value: { x: 1 } }] },
    ],
  ])('parses a %s entry as a non-messages change', (_label, entry) => {
    // Act
    const result = parseWebhookPayload(webhookPayload({ entries: [entry] }));

    // Assert
    expect(result.success).toBe(true);
    const change = result.data?.entry[0]?.changes[0];
    expect(change && isMessagesField(change)).toBe(false);
  });

  it('parses several entries of different fields in one POST', () => {
    const payload = webhookPayload({
      entries: [
        messagesEntry({ messages: [textMessage({ body: 'a' })] }),
        messagesEntry({
          phoneNumberId: '999',
          statuses: [status({ id: wamid(), status: 'read' })],
        }),
        templateStatusEntry({
          event: 'REJECTED',
          templateId: '77',
          templateName: 'promo',
          reason: 'ABUSIVE_CONTENT',
        }),
      ],
    });
    expect(parseWebhookPayload(payload).data?.entry).toHaveLength(3);
  });

  it('accepts a malformed item and leaves it to its own parse', () => {
    // Arrange
    const good = textMessage({ body: 'fine' });
    const bad = { type: 'text', text: { body: 42 } };
    const payload = webhookPayload({
      entries: [
        messagesEntry({ messages: [good, bad], statuses: [{ status: 'sent' }], contacts: [{}] }),
      ],
    });

    // Act
    const envelope = parseWebhookPayload(payload);

    // Assert
    expect(envelope.success).toBe(true);
    const change = envelope.data?.entry[0]?.changes[0];
    if (!change || !isMessagesField(change)) throw new Error('expected a messages change');
    const results = (change.value.messages ?? []).map(parseInboundMessage);
    expect(results.map((r) => r.success)).toEqual([true, false]);
    expect(parseStatus(change.value.statuses?.[0]).success).toBe(false);
    expect(parseContact(change.value.contacts?.[0]).success).toBe(false);
  });

  it('keeps unknown fields at every level of the envelope', () => {
    const entry = { ...messagesEntry({}), extra_entry: 1 };
    const payload = { ...webhookPayload({ entries: [entry] }), extra_root: true };
    expect(parseWebhookPayload(payload).data).toEqual(payload);
  });

  it.each([
    ['wrong object', { object: 'page', entry: [] }],
    ['missing entry', { object: 'whatsapp_business_account' }],
    ['entry not an array', { object: 'whatsapp_business_account', entry: {} }],
    ['entry without id', { object: 'whatsapp_business_account', entry: [{ changes: [] }] }],
    [
      'change without field',
      { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ value: {} }] }] },
    ],
    [
      'messages change without metadata',
      {
        object: 'whatsapp_business_account',
        entry: [{ id: '1', changes: [{ field: 'messages', value: { messages: [] } }] }],
      },
    ],
    [
      'messages array that is not an array',
      webhookPayload({
        entries: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: { ...messagesEntry({}).changes[0]?.value, messages: {} },
              },
            ],
          },
        ],
      }),
    ],
    ['null', null],
    ['a string', 'whatsapp_business_account'],
  ])('rejects %s', (_label, body) => {
    expect(parseWebhookPayload(body).success).toBe(false);
  });
});

describe('item parsers on values built to break zod', () => {
  // What JSON.parse makes of `{"length":{"toString":0}}`: zod's min(1) check compares its
  // `length` with 1, and converting an object whose toString is not callable throws.
  const hostile = JSON.parse('{"length":{"toString":0}}') as unknown;

  it.each([
    [
      'parseInboundMessage',
      () => parseInboundMessage({ ...textMessage({ body: 'hi' }), from: hostile }),
    ],
    [
      'parseStatus',
      () => parseStatus({ ...status({ id: wamid('1'), status: 'sent' }), id: hostile }),
    ],
    [
      'parseWebhookPayload',
      () =>
        parseWebhookPayload({
          object: 'whatsapp_business_account',
          entry: [{ id: hostile, changes: [] }],
        }),
    ],
  ])('%s reports a failure instead of throwing', (_label, parse) => {
    const result = parse();

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/unreadable value \(TypeError/);
  });
});
