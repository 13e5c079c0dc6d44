import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RecipientNeedsPhoneError,
  GraphApiError,
  GraphRequestError,
  clampButtons,
  clampList,
  createGraphClient,
} from '../src';
import type { GraphClient, GraphErrorKind } from '../src';

const TOKEN = 'EAAG-test-token-0123456789';
const PHONE_NUMBER_ID = '106540352242922';
const TO = '16505551234';

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Responder = (req: IncomingMessage, res: ServerResponse, body: unknown) => void;

/** A stand-in for graph.facebook.com that records every request. */
class FakeGraph {
  readonly requests: RecordedRequest[] = [];
  respond: Responder = (_req, res) => answer(res, 200, sendOk(this.requests.length));
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
      });
      this.respond(req, res, body);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.respond = (_req, res) => answer(res, 200, sendOk(this.requests.length));
  }

  bodies(): unknown[] {
    return this.requests.map((request) => request.body);
  }
}

function answer(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}

function sendOk(n: number): unknown {
  return {
    messaging_product: 'whatsapp',
    contacts: [{ input: TO, wa_id: TO }],
    messages: [{ id: `wamid.TEST${n}` }],
  };
}

function graphError(code: number, message = 'failure'): unknown {
  return {
    error: {
      message,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: 'more detail' },
      fbtrace_id: 'AbCdTrace123',
    },
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('createGraphClient()', () => {
  const graph = new FakeGraph();
  let baseUrl: string;
  let client: GraphClient;

  beforeAll(async () => {
    baseUrl = await graph.start();
    client = createGraphClient({ accessToken: TOKEN, baseUrl, apiVersion: 'v21.0' });
  });

  afterEach(() => graph.reset());

  afterAll(() => graph.stop());

  describe('sendText()', () => {
    it('POSTs the exact text body to /{version}/{phone number id}/messages with the bearer token', async () => {
      // Act
      const results = await client.sendText(PHONE_NUMBER_ID, TO, 'Hello there');

      // Assert
      expect(results).toEqual([{ wamid: 'wamid.TEST1', waId: TO, userId: null }]);
      expect(graph.requests).toHaveLength(1);
      const [request] = graph.requests;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
      expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: TO,
        type: 'text',
        text: { preview_url: false, body: 'Hello there' },
      });
    });

    it('adds reply context, preview and opaque callback data when given', async () => {
      // Act
      await client.sendText(PHONE_NUMBER_ID, TO, 'see https://example.com', {
        previewUrl: true,
        replyTo: 'wamid.INBOUND',
        bizOpaque: 'job-42',
      });

      // Assert
      expect(graph.bodies()).toEqual([
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TO,
          type: 'text',
          text: { preview_url: true, body: 'see https://example.com' },
          context: { message_id: 'wamid.INBOUND' },
          biz_opaque_callback_data: 'job-42',
        },
      ]);
    });

    it('sends a long body as several parts in order, one SendResult each, quoting only the first', async () => {
      // Arrange
      const paragraphs = ['a', 'b', 'c'].map((letter) => letter.repeat(3000));

      // Act
      const results = await client.sendText(PHONE_NUMBER_ID, TO, paragraphs.join('\n\n'), {
        replyTo: 'wamid.INBOUND',
        bizOpaque: 'job-7',
      });

      // Assert
      expect(results.map((result) => result.wamid)).toEqual([
        'wamid.TEST1',
        'wamid.TEST2',
        'wamid.TEST3',
      ]);
      expect(graph.bodies()).toEqual(
        paragraphs.map((body, index) => ({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TO,
          type: 'text',
          text: { preview_url: false, body },
          ...(index === 0 ? { context: { message_id: 'wamid.INBOUND' } } : {}),
          biz_opaque_callback_data: 'job-7',
        })),
      );
    });

    it('refuses an empty body without calling Graph', async () => {
      await expect(client.sendText(PHONE_NUMBER_ID, TO, '  ')).rejects.toBeInstanceOf(
        GraphRequestError,
      );
      expect(graph.requests).toHaveLength(0);
    });

    it('returns waId null when Graph leaves out contacts', async () => {
      // Arrange
      graph.respond = (_req, res) => answer(res, 200, { messages: [{ id: 'wamid.X' }] });

      // Act / Assert
      await expect(client.sendText(PHONE_NUMBER_ID, TO, 'hi')).resolves.toEqual([
        { wamid: 'wamid.X', waId: null, userId: null },
      ]);
    });
  });

  describe('sendButtons()', () => {
    it('sends clamped reply buttons with header, footer and context', async () => {
      // Arrange
      const buttons = [
        { id: 'yes', title: 'Yes please' },
        { id: 'yes', title: 'Duplicate id' },
        { id: 'no', title: 'No, thank you very much indeed' },
        { id: 'later', title: 'Later' },
        { id: 'never', title: 'Never' },
      ];

      // Act
      const result = await client.sendButtons(PHONE_NUMBER_ID, TO, 'Shall we?', buttons, {
        replyTo: 'wamid.INBOUND',
        bizOpaque: 'job-1',
        header: 'Question',
        footer: 'Reply with a button',
      });

      // Assert
      expect(result).toEqual({ wamid: 'wamid.TEST1', waId: TO, userId: null });
      expect(graph.bodies()).toEqual([
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TO,
          type: 'interactive',
          interactive: {
            type: 'button',
            header: { type: 'text', text: 'Question' },
            body: { text: 'Shall we?' },
            footer: { text: 'Reply with a button' },
            action: {
              buttons: [
                { type: 'reply', reply: { id: 'yes', title: 'Yes please' } },
                { type: 'reply', reply: { id: 'no', title: 'No, thank you very…' } },
                { type: 'reply', reply: { id: 'later', title: 'Later' } },
              ],
            },
          },
          context: { message_id: 'wamid.INBOUND' },
          biz_opaque_callback_data: 'job-1',
        },
      ]);
    });

    it.each([
      ['a body over 1024 characters', 'x'.repeat(1025), [{ id: 'a', title: 'A' }]],
      ['an empty body', '', [{ id: 'a', title: 'A' }]],
      ['no buttons', 'Pick one', []],
    ])('throws GraphRequestError before the network for %s', async (_label, body, buttons) => {
      // Act
      const error = await caught(client.sendButtons(PHONE_NUMBER_ID, TO, body, buttons));

      // Assert
      expect(error).toBeInstanceOf(GraphRequestError);
      expect((error as Error).name).toBe('GraphRequestError');
      expect(graph.requests).toHaveLength(0);
    });

    it('accepts a body of exactly 1024 emoji (2048 UTF-16 units)', async () => {
      await client.sendButtons(PHONE_NUMBER_ID, TO, '😀'.repeat(1024), [{ id: 'a', title: 'A' }]);
      expect(graph.requests).toHaveLength(1);
    });
  });

  describe('sendList()', () => {
    it('sends a clamped list', async () => {
      // Arrange
      const list = {
        body: 'Choose a branch',
        buttonText: 'Show all the branches now',
        sections: [
          {
            title: 'North',
            rows: [
              { id: 'n1', title: 'Northampton central branch', description: 'd'.repeat(80) },
              { id: 'n2', title: 'Newcastle' },
            ],
          },
        ],
      };

      // Act
      await client.sendList(PHONE_NUMBER_ID, TO, list, { replyTo: 'wamid.IN', bizOpaque: 'b' });

      // Assert
      expect(graph.bodies()).toEqual([
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TO,
          type: 'interactive',
          interactive: {
            type: 'list',
            body: { text: 'Choose a branch' },
            action: {
              button: 'Show all the branch…',
              sections: [
                {
                  title: 'North',
                  rows: [
                    {
                      id: 'n1',
                      title: 'Northampton central bra…',
                      description: `${'d'.repeat(71)}…`,
                    },
                    { id: 'n2', title: 'Newcastle' },
                  ],
                },
              ],
            },
          },
          context: { message_id: 'wamid.IN' },
          biz_opaque_callback_data: 'b',
        },
      ]);
    });

    it('throws GraphRequestError for a body over 1024 characters', async () => {
      // Arrange
      const list = { body: 'x'.repeat(1025), buttonText: 'Open', sections: [] };

      // Act / Assert
      await expect(client.sendList(PHONE_NUMBER_ID, TO, list)).rejects.toBeInstanceOf(
        GraphRequestError,
      );
      expect(graph.requests).toHaveLength(0);
    });
  });

  describe('sendTemplate()', () => {
    it('sends name, language and components', async () => {
      // Arrange
      const components = [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }];

      // Act
      const result = await client.sendTemplate(
        PHONE_NUMBER_ID,
        TO,
        { name: 'order_update', languageCode: 'en_US', components },
        { bizOpaque: 'campaign-9' },
      );

      // Assert
      expect(result.wamid).toBe('wamid.TEST1');
      expect(graph.bodies()).toEqual([
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TO,
          type: 'template',
          template: { name: 'order_update', language: { code: 'en_US' }, components },
          biz_opaque_callback_data: 'campaign-9',
        },
      ]);
    });
  });

  describe('recipients known only by username', () => {
    const BSUID = 'US.13491208655302741918';

    it('addresses a contact without a phone number by `recipient`, never `to`', async () => {
      // Arrange
      graph.respond = (_req, res) =>
        answer(res, 200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: BSUID, user_id: BSUID }],
          messages: [{ id: 'wamid.U1' }],
        });

      // Act
      const [result] = await client.sendText(PHONE_NUMBER_ID, { waId: null, userId: BSUID }, 'hi');

      // Assert
      expect(result).toEqual({ wamid: 'wamid.U1', waId: null, userId: BSUID });
      const [body] = graph.bodies() as Record<string, unknown>[];
      expect(body).toMatchObject({ recipient: BSUID, type: 'text' });
      expect(body).not.toHaveProperty('to');
    });

    it('addresses a contact with both ids by its phone number', async () => {
      await client.sendText(PHONE_NUMBER_ID, { waId: TO, userId: BSUID }, 'hi');
      const [body] = graph.bodies() as Record<string, unknown>[];
      expect(body).toMatchObject({ to: TO });
      expect(body).not.toHaveProperty('recipient');
    });

    it('refuses an authentication template to a user without a phone number before sending (Meta: 131062)', async () => {
      const send = client.sendTemplate(
        PHONE_NUMBER_ID,
        { waId: null, userId: BSUID },
        { name: 'otp', languageCode: 'en', category: 'AUTHENTICATION' },
      );
      await expect(send).rejects.toBeInstanceOf(RecipientNeedsPhoneError);
      await expect(send).rejects.toThrow(/needs the recipient's phone number.*131062/);
      expect(graph.requests).toHaveLength(0);
      // A marketing template goes out by `recipient`.
      await client.sendTemplate(
        PHONE_NUMBER_ID,
        { waId: null, userId: BSUID },
        { name: 'promo', languageCode: 'en', category: 'MARKETING' },
      );
      expect(graph.bodies()).toMatchObject([{ recipient: BSUID, type: 'template' }]);
    });
  });

  describe('markReadWithTyping()', () => {
    it('sends the read status with a typing indicator', async () => {
      // Arrange
      graph.respond = (_req, res) => answer(res, 200, { success: true });

      // Act
      await client.markReadWithTyping(PHONE_NUMBER_ID, 'wamid.INBOUND');

      // Assert
      expect(graph.requests[0]?.url).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
      expect(graph.bodies()).toEqual([
        {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: 'wamid.INBOUND',
          typing_indicator: { type: 'text' },
        },
      ]);
    });
  });

  describe('errors', () => {
    describe.each<[string, number, number | undefined, GraphErrorKind]>([
      ['re-engagement 131047', 400, 131047, 'permanent'],
      ['not on WhatsApp 131030', 400, 131030, 'permanent'],
      ['invalid parameter 100', 400, 100, 'permanent'],
      ['unsupported type 131051', 400, 131051, 'permanent'],
      ['throughput 130429 on HTTP 429', 429, 130429, 'retry-number'],
      ['throughput 130429 on HTTP 400', 400, 130429, 'retry-number'],
      ['pair rate limit 131056', 400, 131056, 'retry-recipient'],
      ['HTTP 500 with an error envelope', 500, 1, 'retry'],
      ['HTTP 500 without an envelope', 500, undefined, 'retry'],
      ['policy block 368', 403, 368, 'blocked'],
    ])('%s', (_label, httpStatus, code, kind) => {
      it(`throws GraphApiError of kind ${kind}`, async () => {
        // Arrange
        graph.respond = (_req, res) =>
          code === undefined
            ? res.writeHead(httpStatus, { 'content-type': 'text/html' }).end('<html>oops</html>')
            : answer(res, httpStatus, graphError(code, 'Graph says no'));

        // Act
        const error = await caught(client.sendText(PHONE_NUMBER_ID, TO, 'hi'));

        // Assert
        expect(error).toBeInstanceOf(GraphApiError);
        const graphApiError = error as GraphApiError;
        expect(graphApiError.kind).toBe(kind);
        expect(graphApiError.httpStatus).toBe(httpStatus);
        expect(graphApiError.code).toBe(code);
        if (code !== undefined) {
          expect(graphApiError.fbtraceId).toBe('AbCdTrace123');
          expect(graphApiError.message).toContain('Graph says no');
        }
      });
    });

    it('maps a server that hangs to a timeout of kind retry', async () => {
      // Arrange
      graph.respond = () => undefined;
      const impatient = createGraphClient({ accessToken: TOKEN, baseUrl, timeoutMs: 200 });

      // Act
      const error = await caught(impatient.sendText(PHONE_NUMBER_ID, TO, 'hi'));

      // Assert
      expect(error).toBeInstanceOf(GraphApiError);
      expect((error as GraphApiError).kind).toBe('retry');
      expect((error as GraphApiError).code).toBeUndefined();
      expect((error as GraphApiError).httpStatus).toBeUndefined();
      expect((error as GraphApiError).message).toMatch(/timed out after 200 ms/);
    });

    it('maps a closed connection to kind retry', async () => {
      // Arrange
      graph.respond = (req) => req.socket.destroy();

      // Act
      const error = await caught(client.sendText(PHONE_NUMBER_ID, TO, 'hi'));

      // Assert
      expect(error).toBeInstanceOf(GraphApiError);
      expect((error as GraphApiError).kind).toBe('retry');
      expect((error as GraphApiError).code).toBeUndefined();
    });

    it('maps a refused connection to kind retry', async () => {
      // Arrange: nothing listens on port 1.
      const nowhere = createGraphClient({ accessToken: TOKEN, baseUrl: 'http://127.0.0.1:1' });

      // Act
      const error = await caught(nowhere.sendText(PHONE_NUMBER_ID, TO, 'hi'));

      // Assert
      expect((error as GraphApiError).kind).toBe('retry');
    });

    it('treats an unreadable 200 as permanent, since the message may have gone out', async () => {
      // Arrange
      graph.respond = (_req, res) => answer(res, 200, { unexpected: true });

      // Act
      const error = await caught(client.sendText(PHONE_NUMBER_ID, TO, 'hi'));

      // Assert
      expect((error as GraphApiError).kind).toBe('permanent');
    });

    it.each<[string, Responder]>([
      [
        'a Graph message that echoes the header',
        (req, res) =>
          answer(res, 401, graphError(190, `Invalid token: ${req.headers.authorization ?? ''}`)),
      ],
      ['a closed connection', (req) => req.socket.destroy()],
    ])('never puts the access token in the error for %s', async (_label, respond) => {
      // Arrange
      graph.respond = respond;

      // Act
      const error = (await caught(client.sendText(PHONE_NUMBER_ID, TO, 'hi'))) as GraphApiError;

      // Assert
      expect(error).toBeInstanceOf(GraphApiError);
      expect(error.message).not.toContain(TOKEN);
      expect(String(error.stack)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    });
  });
});

describe('clampButtons()', () => {
  it('keeps at most 3 buttons with unique ids and titles of at most 20 characters', () => {
    // Arrange
    const buttons = [
      { id: 'a', title: '😀'.repeat(25) },
      { id: 'a', title: 'again' },
      { id: 'b', title: 'exactly twenty chars' },
      { id: 'c', title: 'C' },
      { id: 'd', title: 'D' },
    ];

    // Act
    const clamped = clampButtons(buttons);

    // Assert
    expect(clamped).toEqual([
      { id: 'a', title: `${'😀'.repeat(19)}…` },
      { id: 'b', title: 'exactly twenty chars' },
      { id: 'c', title: 'C' },
    ]);
  });
});

describe('clampList()', () => {
  it('keeps at most 10 sections and 10 rows in all, drops duplicate row ids and empty sections', () => {
    // Arrange
    const sections = Array.from({ length: 12 }, (_, s) => ({
      title: `Section number ${s} with a long title`,
      rows: Array.from({ length: 4 }, (_, r) => ({ id: `row-${s}-${r}`, title: `Row ${r}` })),
    }));
    sections[0]!.rows.push({ id: 'row-0-0', title: 'duplicate' });

    // Act
    const clamped = clampList({ body: 'Pick', buttonText: 'Open', sections });

    // Assert
    expect(clamped.sections.map((section) => section.rows.length)).toEqual([4, 4, 2]);
    expect(clamped.sections[0]?.title).toBe('Section number 0 with a…');
    const ids = clamped.sections.flatMap((section) => section.rows.map((row) => row.id));
    expect(new Set(ids).size).toBe(10);
  });

  it('cuts row title to 24, description to 72 and button text to 20 characters', () => {
    // Arrange
    const list = {
      body: 'Pick',
      buttonText: 'b'.repeat(21),
      sections: [{ rows: [{ id: 'r', title: 't'.repeat(25), description: 'd'.repeat(73) }] }],
    };

    // Act
    const clamped = clampList(list);

    // Assert
    expect(clamped).toEqual({
      body: 'Pick',
      buttonText: `${'b'.repeat(19)}…`,
      sections: [
        { rows: [{ id: 'r', title: `${'t'.repeat(23)}…`, description: `${'d'.repeat(71)}…` }] },
      ],
    });
  });
});
