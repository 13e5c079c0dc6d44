import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createGraphClient, verifySignature } from '@waba/whatsapp';
import { startMetaSandbox, type MetaSandbox, type MetaSandboxOptions } from '../src/meta-sandbox';

const APP_SECRET = 'sandbox-app-secret';
const TOKEN = 'sandbox-token';
const PHONE_NUMBER_ID = '106540352242922';
const CUSTOMER = '16505551234';

/** The parts of a Graph answer the tests look at. */
interface GraphReply {
  messages?: Array<{ id: string }>;
  success?: boolean;
  error?: { code: number; message: string; type: string };
}

interface ReceivedWebhook {
  raw: Buffer;
  headers: IncomingHttpHeaders;
}

/** A stand-in for the webhook receiver: records raw POSTs, optionally failing the first few. */
async function startReceiver(failFirst = 0) {
  const received: ReceivedWebhook[] = [];
  let failuresLeft = failFirst;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end();
        return;
      }
      received.push({ raw: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    async waitFor(n: number, timeoutMs = 3000): Promise<ReceivedWebhook[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`got ${received.length} of ${n} webhooks`);
        await sleep(5);
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function textMessage(to = CUSTOMER, body = 'Hello from the bot', extra: object = {}) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'text',
    text: { body },
    ...extra,
  };
}

function buttons(count: number, title = 'Yes') {
  return {
    messaging_product: 'whatsapp',
    to: CUSTOMER,
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text: 'Pick one' },
      action: {
        buttons: Array.from({ length: count }, (_, i) => ({
          type: 'reply',
          reply: { id: `b${i}`, title },
        })),
      },
    },
  };
}

function list(sections: number, row: { title?: string; description?: string } = {}) {
  return {
    messaging_product: 'whatsapp',
    to: CUSTOMER,
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Choose' },
      action: {
        button: 'Options',
        sections: Array.from({ length: sections }, (_, s) => ({
          title: `Section ${s}`,
          rows: [{ id: `r${s}`, title: row.title ?? 'Row', description: row.description }],
        })),
      },
    },
  };
}

describe('startMetaSandbox()', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(overrides: Partial<MetaSandboxOptions> = {}): Promise<MetaSandbox> {
    const sandbox = await startMetaSandbox({
      port: 0,
      appSecret: APP_SECRET,
      wabaId: '102290129340398',
      accessToken: TOKEN,
      statusDelaysMs: { sent: 10, delivered: 20, read: 30 },
      logger: pino({ level: 'silent' }),
      ...overrides,
    });
    cleanups.push(() => sandbox.close());
    return sandbox;
  }

  async function withReceiver(failFirst = 0) {
    const receiver = await startReceiver(failFirst);
    cleanups.push(() => receiver.close());
    return receiver;
  }

  async function post(sandbox: MetaSandbox, body: unknown, token: string | null = TOKEN) {
    const response = await fetch(`${sandbox.url}/v21.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as GraphReply };
  }

  it('answers a text send with Meta’s response shape and records it', async () => {
    // Arrange
    const sandbox = await start({ statusDelaysMs: false });

    // Act
    const { status, json } = await post(sandbox, textMessage());

    // Assert
    expect(status).toBe(200);
    expect(json).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/) }],
    });
    expect(sandbox.messages()).toEqual([
      {
        wamid: json.messages?.[0]?.id,
        phoneNumberId: PHONE_NUMBER_ID,
        to: CUSTOMER,
        addressedBy: 'to',
        type: 'text',
        body: textMessage(),
        at: expect.any(String),
        status: 'accepted',
      },
    ]);
  });

  it('posts signed sent → delivered → read webhooks echoing biz_opaque_callback_data', async () => {
    // Arrange
    const receiver = await withReceiver();
    const sandbox = await start({ webhookUrl: () => receiver.url });

    // Act
    const { json } = await post(
      sandbox,
      textMessage(CUSTOMER, 'Olá 👋 / hi', { biz_opaque_callback_data: 'job-42' }),
    );
    const webhooks = await receiver.waitFor(3);

    // Assert
    const statuses = webhooks.map(({ raw, headers }) => {
      expect(verifySignature(raw, headers['x-hub-signature-256'] as string, [APP_SECRET])).toBe(
        true,
      );
      const payload = JSON.parse(raw.toString('utf8'));
      expect(payload.object).toBe('whatsapp_business_account');
      const value = payload.entry[0].changes[0].value;
      expect(value.metadata.phone_number_id).toBe(PHONE_NUMBER_ID);
      expect(value.statuses).toHaveLength(1);
      return value.statuses[0];
    });
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    for (const item of statuses) {
      expect(item).toMatchObject({
        id: json.messages?.[0]?.id,
        recipient_id: CUSTOMER,
        biz_opaque_callback_data: 'job-42',
      });
    }
    expect(statuses[0].pricing).toMatchObject({ pricing_model: 'PMP', category: 'service' });
    expect(statuses[1].conversation.id).toBe(statuses[0].conversation.id);
    expect(statuses[2].pricing).toBeUndefined();
    expect(sandbox.messages()[0]?.status).toBe('read');
  });

  describe('a user known only by username (business-scoped user id)', () => {
    const BSUID = 'US.13491208655302741918';
    const byRecipient = () => ({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: BSUID,
      type: 'text',
      text: { body: 'Hello from the bot' },
    });

    it('takes `recipient`, answers with contacts[].user_id, and posts statuses with recipient_user_id only', async () => {
      const receiver = await withReceiver();
      const sandbox = await start({ webhookUrl: () => receiver.url });

      const { status, json } = await post(sandbox, byRecipient());
      const webhooks = await receiver.waitFor(3);

      expect(status).toBe(200);
      expect(json).toMatchObject({ contacts: [{ input: BSUID, user_id: BSUID }] });
      expect(sandbox.messages()[0]).toMatchObject({ to: BSUID, addressedBy: 'recipient' });
      const statuses = webhooks.map(
        ({ raw }) => JSON.parse(raw.toString('utf8')).entry[0].changes[0].value.statuses[0],
      );
      expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
      for (const item of statuses) {
        expect(item).toMatchObject({ id: json.messages?.[0]?.id, recipient_user_id: BSUID });
        expect(item).not.toHaveProperty('recipient_id');
      }
    });

    it('accepts a user id put in `to` and drops it, as Meta does: no status ever comes', async () => {
      const receiver = await withReceiver();
      const sandbox = await start({
        webhookUrl: () => receiver.url,
        statusDelaysMs: { sent: 0, delivered: 0, read: 0 },
      });

      const { status } = await post(sandbox, textMessage(BSUID));
      // A normal send after it: its statuses arrive, the dropped one's never do.
      const { json } = await post(sandbox, textMessage());
      const webhooks = await receiver.waitFor(3);

      expect(status).toBe(200);
      const ids = webhooks.map(
        ({ raw }) => JSON.parse(raw.toString('utf8')).entry[0].changes[0].value.statuses[0].id,
      );
      expect(new Set(ids)).toEqual(new Set([json.messages?.[0]?.id]));
    });
  });

  it('retries a status webhook the receiver rejected', async () => {
    // Arrange
    const receiver = await withReceiver(1);
    const sandbox = await start({ webhookUrl: receiver.url });

    // Act
    await post(sandbox, textMessage());
    const webhooks = await receiver.waitFor(3);

    // Assert
    const steps = webhooks.map(
      (w) => JSON.parse(w.raw.toString()).entry[0].changes[0].value.statuses[0].status,
    );
    expect(steps).toEqual(['sent', 'delivered', 'read']);
  });

  it('answers read + typing with { success: true } and records it', async () => {
    // Arrange
    const sandbox = await start();
    const request = {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.inbound',
      typing_indicator: { type: 'text' },
    };

    // Act
    const { status, json } = await post(sandbox, request);
    const listed = await (await fetch(`${sandbox.url}/sandbox/reads`)).json();

    // Assert
    expect(status).toBe(200);
    expect(json).toEqual({ success: true });
    const expected = [
      {
        phoneNumberId: PHONE_NUMBER_ID,
        messageId: 'wamid.inbound',
        typing: true,
        at: expect.any(String),
      },
    ];
    expect(sandbox.reads()).toEqual(expected);
    expect(listed).toEqual(expected);
    expect(sandbox.messages()).toEqual([]);
  });

  describe.each([
    ['4 reply buttons', buttons(4), /1 to 3 buttons/],
    ['a 21-character button title', buttons(1, 'x'.repeat(21)), /at most 20 characters/],
    ['a 4097-character text', textMessage(CUSTOMER, 'x'.repeat(4097)), /at most 4096 characters/],
    ['11 list sections', list(11), /1 to 10 sections/],
    ['a 25-character row title', list(1, { title: 'x'.repeat(25) }), /at most 24 characters/],
    ['a 73-character row description', list(1, { description: 'x'.repeat(73) }), /at most 72/],
    [
      'no recipient',
      { messaging_product: 'whatsapp', type: 'text', text: { body: 'hi' } },
      /to is required/,
    ],
    ['a wrong messaging_product', { ...textMessage(), messaging_product: 'sms' }, /whatsapp/],
    ['an unknown type', { ...textMessage(), type: 'hologram' }, /type must be one of/],
  ])('a send with %s', (_name, request, details) => {
    it('is rejected with HTTP 400, code 100 and Meta’s error shape', async () => {
      // Arrange
      const sandbox = await start();

      // Act
      const { status, json } = await post(sandbox, request);

      // Assert
      expect(status).toBe(400);
      expect(json).toEqual({
        error: {
          message: expect.stringMatching(/^\(#100\)/),
          type: 'OAuthException',
          code: 100,
          error_data: { messaging_product: 'whatsapp', details: expect.stringMatching(details) },
          fbtrace_id: expect.any(String),
        },
      });
      expect(sandbox.messages()).toEqual([]);
    });
  });

  it('accepts the largest valid button and list messages', async () => {
    // Arrange
    const sandbox = await start();

    // Act
    const answers = [
      await post(sandbox, buttons(3, 'x'.repeat(20))),
      await post(sandbox, list(10, { title: 'x'.repeat(24), description: 'y'.repeat(72) })),
      await post(sandbox, textMessage(CUSTOMER, 'x'.repeat(4096))),
    ];

    // Assert
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  });

  it('answers a queued 131047 fault once with Meta’s error shape', async () => {
    // Arrange
    const sandbox = await start();
    sandbox.fault({ code: 131047, httpStatus: 400 });

    // Act
    const first = await post(sandbox, textMessage());
    const second = await post(sandbox, textMessage());

    // Assert
    expect(first.status).toBe(400);
    expect(first.json).toEqual({
      error: {
        message: '(#131047) Re-engagement message',
        type: 'OAuthException',
        code: 131047,
        error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('24 hours') },
        fbtrace_id: expect.any(String),
      },
    });
    expect(second.status).toBe(200);
    expect(sandbox.messages()).toHaveLength(1);
  });

  it('answers 130429 with HTTP 429 twice, then accepts', async () => {
    // Arrange
    const sandbox = await start();
    sandbox.fault({ code: 130429, httpStatus: 429, times: 2 });

    // Act
    const answers = [
      await post(sandbox, textMessage()),
      await post(sandbox, textMessage()),
      await post(sandbox, textMessage()),
    ];

    // Assert
    expect(answers.map((a) => a.status)).toEqual([429, 429, 200]);
    expect(answers[0]?.json.error).toMatchObject({
      code: 130429,
      message: '(#130429) Rate limit hit',
    });
  });

  it('applies a recipient-scoped fault only to that recipient', async () => {
    // Arrange
    const sandbox = await start();
    sandbox.fault({
      code: 131056,
      httpStatus: 400,
      to: '15550001111',
      message: 'custom pair limit',
    });

    // Act
    const other = await post(sandbox, textMessage(CUSTOMER));
    const target = await post(sandbox, textMessage('15550001111'));

    // Assert
    expect(other.status).toBe(200);
    expect(target.status).toBe(400);
    expect(target.json.error).toMatchObject({ code: 131056, message: 'custom pair limit' });
  });

  it('queues faults over HTTP until DELETE /sandbox/faults clears them', async () => {
    // Arrange
    const sandbox = await start();
    const queued = await fetch(`${sandbox.url}/sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ code: 131000, httpStatus: 500, times: 'Infinity' }),
    });

    // Act
    const failing = [await post(sandbox, textMessage()), await post(sandbox, textMessage())];
    const cleared = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'DELETE' });
    const after = await post(sandbox, textMessage());

    // Assert
    expect(queued.status).toBe(201);
    expect(failing.map((a) => a.status)).toEqual([500, 500]);
    expect(cleared.status).toBe(200);
    expect(after.status).toBe(200);
  });

  it('takes a send and then loses its answer with {"lose":"reset"}: the message is recorded, the client gets no answer', async () => {
    // Arrange
    const sandbox = await start();
    const queued = await fetch(`${sandbox.url}/sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ lose: 'reset' }),
    });

    // Act
    const lost = await post(sandbox, textMessage()).catch((error: unknown) => error);
    const after = await post(sandbox, textMessage());

    // Assert
    expect(queued.status).toBe(201);
    expect(String(lost)).toMatch(/fetch failed/);
    expect(after.status).toBe(200);
    expect(sandbox.messages()).toHaveLength(2);
  });

  it('rejects an invalid fault body with 400', async () => {
    // Arrange
    const sandbox = await start();

    // Act
    const response = await fetch(`${sandbox.url}/sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ code: 131047, httpStatus: 200 }),
    });

    // Assert
    expect(response.status).toBe(400);
  });

  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token'],
  ])('answers a request with %s with 401 and code 190', async (_name, token) => {
    // Arrange
    const sandbox = await start();

    // Act
    const { status, json } = await post(sandbox, textMessage(), token);

    // Assert
    expect(status).toBe(401);
    expect(json.error).toMatchObject({ type: 'OAuthException', code: 190 });
    expect(sandbox.messages()).toEqual([]);
  });

  it('lists sent messages on GET /sandbox/messages', async () => {
    // Arrange
    const sandbox = await start({ statusDelaysMs: false });
    await post(sandbox, textMessage(CUSTOMER, 'one'));
    await post(sandbox, textMessage(CUSTOMER, 'two'));

    // Act
    const response = await fetch(`${sandbox.url}/sandbox/messages`);
    const listed = (await response.json()) as Array<{ body: { text: { body: string } } }>;

    // Assert
    expect(response.status).toBe(200);
    expect(listed.map((m) => m.body.text.body)).toEqual(['one', 'two']);
  });

  it('answers an unknown route with 404 JSON', async () => {
    // Arrange
    const sandbox = await start();

    // Act
    const response = await fetch(`${sandbox.url}/v21.0/${PHONE_NUMBER_ID}/media`);

    // Assert
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 2500 } });
  });

  it('waitForMessages() resolves once enough messages were sent, and times out otherwise', async () => {
    // Arrange
    const sandbox = await start({ statusDelaysMs: false });
    const waiting = sandbox.waitForMessages(2, 1000);

    // Act
    await post(sandbox, textMessage(CUSTOMER, 'one'));
    await post(sandbox, textMessage(CUSTOMER, 'two'));

    // Assert
    await expect(waiting).resolves.toHaveLength(2);
    await expect(sandbox.waitForMessages(3, 20)).rejects.toThrow(/expected 3 messages/);
  });

  it('close() cancels pending status webhooks', async () => {
    // Arrange
    const receiver = await withReceiver();
    const sandbox = await startMetaSandbox({
      port: 0,
      appSecret: APP_SECRET,
      wabaId: '102290129340398',
      webhookUrl: receiver.url,
      statusDelaysMs: { sent: 40, delivered: 50, read: 60 },
      logger: pino({ level: 'silent' }),
    });
    await post(sandbox, textMessage(), null);

    // Act
    await sandbox.close();
    await sleep(120);

    // Assert
    expect(receiver.received).toHaveLength(0);
  });

  describe('message templates', () => {
    const WABA = '102290129340398';
    const template = (name: string, language = 'en_US') => ({
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: { name, language: { code: language } },
    });

    it('lists a WABA’s templates page by page, as the Graph client reads them', async () => {
      // Arrange
      const sandbox = await start({ statusDelaysMs: false });
      const graph = createGraphClient({ accessToken: TOKEN, baseUrl: sandbox.url });

      // Act
      const paged = await graph.listTemplates(WABA, { pageSize: 4 });
      const whole = await graph.listTemplates(WABA);

      // Assert
      expect(paged.pages).toBe(2);
      expect(whole.pages).toBe(1);
      expect(paged.templates).toEqual(whole.templates);
      expect(paged.templates.map((t) => `${t.name}/${t.language} ${t.status}`)).toEqual([
        'bf_offer/en_US APPROVED',
        'order_update/en_US APPROVED',
        'welcome/en_US APPROVED',
        'login_code/en_US APPROVED',
        'spring_sale/pt_BR PENDING',
        'old_promo/en_US REJECTED',
      ]);
      await expect(graph.listTemplates('999')).rejects.toMatchObject({ code: 100 });
      const unauthorized = await fetch(`${sandbox.url}/v21.0/${WABA}/message_templates`);
      expect(unauthorized.status).toBe(401);
    });

    it('pausing a template posts a signed status webhook, and its sends are refused with 132015', async () => {
      // Arrange
      const receiver = await withReceiver();
      const sandbox = await start({ statusDelaysMs: false, webhookUrl: receiver.url });
      expect((await post(sandbox, template('bf_offer'))).status).toBe(200);

      // Act
      const response = await fetch(`${sandbox.url}/sandbox/templates/1000000000000001/status`, {
        method: 'POST',
        body: JSON.stringify({ status: 'PAUSED' }),
      });

      // Assert
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        delivered: true,
        template: { status: 'PAUSED' },
      });
      const [webhook] = receiver.received;
      expect(
        verifySignature(webhook!.raw, webhook!.headers['x-hub-signature-256'] as string, [
          APP_SECRET,
        ]),
      ).toBe(true);
      expect(JSON.parse(webhook!.raw.toString('utf8'))).toEqual({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA,
            time: expect.any(Number),
            changes: [
              {
                field: 'message_template_status_update',
                value: expect.objectContaining({
                  event: 'PAUSED',
                  message_template_id: 1000000000000001,
                  message_template_name: 'bf_offer',
                  message_template_language: 'en_US',
                  reason: 'NONE',
                }),
              },
            ],
          },
        ],
      });
      const refused = await post(sandbox, template('bf_offer'));
      expect(refused.status).toBe(400);
      expect(refused.json.error?.code).toBe(132015);
      expect((await post(sandbox, template('old_promo'))).json.error?.code).toBe(132001);
      expect((await post(sandbox, template('not_registered_here'))).status).toBe(200);
    });

    it('re-categorising a template posts template_category_update; unknown ids are 404', async () => {
      // Arrange
      const receiver = await withReceiver();
      const sandbox = await start({ statusDelaysMs: false, webhookUrl: receiver.url });

      // Act
      const delivered = await sandbox.setTemplateCategory('1000000000000001', 'UTILITY');
      const missing = await fetch(`${sandbox.url}/sandbox/templates/42/status`, {
        method: 'POST',
        body: JSON.stringify({ status: 'PAUSED' }),
      });

      // Assert
      expect(delivered).toBe(true);
      const body = JSON.parse(receiver.received[0]!.raw.toString('utf8')) as {
        entry: Array<{ changes: Array<{ field: string; value: unknown }> }>;
      };
      expect(body.entry[0]!.changes[0]).toEqual({
        field: 'template_category_update',
        value: {
          message_template_id: 1000000000000001,
          message_template_name: 'bf_offer',
          message_template_language: 'en_US',
          previous_category: 'MARKETING',
          new_category: 'UTILITY',
        },
      });
      expect(missing.status).toBe(404);
      expect(sandbox.templates().find((t) => t.id === '1000000000000001')?.category).toBe(
        'UTILITY',
      );
    });
  });
});
