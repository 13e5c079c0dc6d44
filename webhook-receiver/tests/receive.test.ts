import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import pino from 'pino';
import {
  INGEST_ATTRIBUTES as A,
  isSqsSafe,
  metaEscape,
  type ClaimCheckPointer,
} from '@waba/whatsapp';
import {
  messagesEntry,
  status,
  templateStatusEntry,
  textMessage,
  webhookPayload,
  createTestQueues,
  drainQueue,
  type TestQueues,
  apiEvent,
  signedRequest,
} from '@waba/testing';
import {
  appsFromEnv,
  handleWebhookRequest,
  s3PayloadStore,
  sqsIngestQueue,
  type ReceiverDeps,
} from '@waba/webhook-receiver';

const SECRET = 'app-secret-current';
const PREVIOUS = 'app-secret-previous';
const OTHER_APP_SECRET = 'other-app-secret';

describe('handleWebhookRequest()', () => {
  let q: TestQueues;
  let deps: ReceiverDeps;

  beforeAll(async () => {
    q = await createTestQueues();
  });

  beforeEach(() => {
    deps = {
      apps: appsFromEnv({
        WHATSAPP_APP_SECRET: SECRET,
        WHATSAPP_APP_SECRET_PREVIOUS: PREVIOUS,
        WHATSAPP_VERIFY_TOKEN: 'verify-me',
        WHATSAPP_APPS: JSON.stringify({
          '987': { secrets: [OTHER_APP_SECRET], verifyToken: 'other-token' },
        }),
      }),
      queue: sqsIngestQueue(q.sqs, q.ingest.url),
      payloads: s3PayloadStore(q.s3, q.bucket),
      maxMessageBytes: 262_144,
      logger: pino({ level: 'silent' }),
      clock: () => new Date('2026-11-22T10:00:00Z'),
    };
  });

  const drain = (): Promise<Message[]> => drainQueue(q.sqs, q.ingest.url);

  afterEach(async () => {
    await drain();
  });

  const payload = webhookPayload({
    entries: [
      messagesEntry({
        messages: [textMessage({ from: '5511999990000', body: 'Olá, café? 😀 a/b' })],
        statuses: [status({ id: 'wamid.out1', status: 'read', recipientId: '5511999990000' })],
      }),
      templateStatusEntry({
        wabaId: '555',
        event: 'APPROVED',
        templateId: '1',
        templateName: 'promo',
      }),
    ],
  });
  // Meta's own wire form: \u00e9, surrogate pairs, \/ — not what JSON.stringify produces.
  const raw = metaEscape(JSON.stringify(payload));

  describe('GET verification challenge', () => {
    it.each([
      [
        'matching token',
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' },
        200,
        '1158201444',
      ],
      [
        'wrong token',
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' },
        403,
        undefined,
      ],
      [
        'wrong mode',
        { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' },
        403,
        undefined,
      ],
      ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, 403, undefined],
    ])('%s → %i', async (_name, query, statusCode, body) => {
      const result = await handleWebhookRequest(apiEvent('GET', { query }), deps);
      expect(result.statusCode).toBe(statusCode);
      if (body !== undefined) {
        expect(result.body).toBe(body);
        expect(result.headers?.['content-type']).toMatch(/^text\/plain/);
      }
    });

    it('uses the verify token of the app named in the path', async () => {
      const query = {
        'hub.mode': 'subscribe',
        'hub.verify_token': 'other-token',
        'hub.challenge': 'c',
      };
      expect(
        (await handleWebhookRequest(apiEvent('GET', { query, appId: '987' }), deps)).statusCode,
      ).toBe(200);
      expect((await handleWebhookRequest(apiEvent('GET', { query }), deps)).statusCode).toBe(403);
    });
  });

  describe('POST signed webhook', () => {
    it('enqueues the raw bytes unchanged with routing attributes, and answers 200', async () => {
      const result = await handleWebhookRequest(signedRequest(raw, SECRET), deps);

      expect(result.statusCode).toBe(200);
      const [message, ...rest] = await drain();
      expect(rest).toHaveLength(0);
      expect(message!.Body).toBe(raw);
      const attr = (name: string) => message!.MessageAttributes?.[name]?.StringValue;
      expect(attr(A.appId)).toBe('default');
      expect(attr(A.wabaIds)).toBe('102290129340398,555');
      expect(attr(A.phoneNumberIds)).toBe('106540352242922');
      expect(attr(A.fields)).toBe('messages,message_template_status_update');
      expect(attr(A.hasMessages)).toBe('true');
      expect(attr(A.hasStatuses)).toBe('true');
      expect(attr(A.receivedAt)).toBe('2026-11-22T10:00:00.000Z');
      expect(attr(A.bodySha256)).toMatch(/^[0-9a-f]{64}$/);
      expect(attr(A.claimCheck)).toBeUndefined();
    });

    it('honours an isBase64Encoded body', async () => {
      const result = await handleWebhookRequest(signedRequest(raw, SECRET, { base64: true }), deps);
      expect(result.statusCode).toBe(200);
      expect((await drain())[0]!.Body).toBe(raw);
    });

    it('accepts the previous secret during rotation', async () => {
      expect((await handleWebhookRequest(signedRequest(raw, PREVIOUS), deps)).statusCode).toBe(200);
      expect(await drain()).toHaveLength(1);
    });

    it('checks the secret of the app named in the path', async () => {
      expect(
        (await handleWebhookRequest(signedRequest(raw, OTHER_APP_SECRET, { appId: '987' }), deps))
          .statusCode,
      ).toBe(200);
      expect(
        (await handleWebhookRequest(signedRequest(raw, SECRET, { appId: '987' }), deps)).statusCode,
      ).toBe(401);
      expect(
        (await handleWebhookRequest(signedRequest(raw, SECRET, { appId: 'nope' }), deps))
          .statusCode,
      ).toBe(404);
      expect(await drain()).toHaveLength(1);
    });

    it.each([
      ['no signature header', apiEvent('POST', { body: raw })],
      ['signature of another secret', signedRequest(raw, 'wrong-secret')],
      [
        'signature of the re-serialized JSON',
        { ...signedRequest(JSON.stringify(payload), SECRET), body: raw },
      ],
      [
        'truncated signature',
        apiEvent('POST', { body: raw, headers: { 'x-hub-signature-256': 'sha256=abc' } }),
      ],
    ])('%s → 401 and nothing enqueued', async (_name, event) => {
      const result = await handleWebhookRequest(event, deps);
      expect(result.statusCode).toBe(401);
      expect(await drain()).toHaveLength(0);
    });

    it.each([
      ['not JSON', 'hello'],
      ['not a WhatsApp object', JSON.stringify({ object: 'page', entry: [] })],
      ['a JSON array', '[1,2]'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ])('signed but %s → 400 and nothing enqueued', async (_name, body) => {
      const result = await handleWebhookRequest(
        signedRequest(body, SECRET, { base64: true }),
        deps,
      );
      expect(result.statusCode).toBe(400);
      expect(await drain()).toHaveLength(0);
    });

    it('answers 503 when SQS refuses the message, so Meta retries', async () => {
      deps.queue = sqsIngestQueue(q.sqs, `${q.ingest.url}-does-not-exist`);
      const result = await handleWebhookRequest(signedRequest(raw, SECRET), deps);
      expect(result.statusCode).toBe(503);
    });

    it('claim-checks a payload over 1 MiB to S3 and enqueues the pointer', async () => {
      const big = webhookPayload({
        entries: [
          messagesEntry({
            messages: Array.from({ length: 40 }, (_, i) =>
              textMessage({ from: '5511999990000', body: `${i} ${'é'.repeat(5000)}` }),
            ),
          }),
        ],
      });
      const bigRaw = metaEscape(JSON.stringify(big));
      expect(Buffer.byteLength(bigRaw)).toBeGreaterThan(1024 * 1024);

      const result = await handleWebhookRequest(signedRequest(bigRaw, SECRET), deps);

      expect(result.statusCode).toBe(200);
      const [message] = await drain();
      expect(message!.MessageAttributes?.[A.claimCheck]?.StringValue).toBe('s3');
      const pointer = JSON.parse(message!.Body!) as ClaimCheckPointer;
      expect(pointer.bytes).toBe(Buffer.byteLength(bigRaw));
      const object = await q.s3.send(
        new GetObjectCommand({ Bucket: pointer.s3.bucket, Key: pointer.s3.key }),
      );
      expect(await object.Body!.transformToString()).toBe(bigRaw);
    });

    it('leaves out routing values holding characters SQS refuses, and enqueues the body', async () => {
      const entry = (wabaId: string, phoneNumberId: string, field = 'messages') => {
        const e = messagesEntry({ wabaId, phoneNumberId, messages: [textMessage({ body: 'hi' })] });
        e.changes[0]!.field = field;
        return e;
      };
      // Meta's wire form escapes them: the body is ASCII, the parsed values are not.
      const odd = metaEscape(
        JSON.stringify(
          webhookPayload({
            entries: [
              entry('102290129340398', '106540352242922'),
              entry('waba\u0000', 'nul\u0000id', 'x\uFFFF'),
              entry('\uFFFF', 'a,b', 'lone\uD800'),
            ],
          }),
        ),
      );
      expect(odd).toMatch(/^[\x20-\x7e]*$/);

      const result = await handleWebhookRequest(signedRequest(odd, SECRET), deps);

      expect(result.statusCode).toBe(200);
      const [message] = await drain();
      expect(message!.Body).toBe(odd);
      const attr = (name: string) => message!.MessageAttributes?.[name]?.StringValue;
      expect(attr(A.phoneNumberIds)).toBe('106540352242922');
      expect(attr(A.wabaIds)).toBe('102290129340398');
      expect(attr(A.fields)).toBe('messages');
      for (const value of Object.values(message!.MessageAttributes ?? {})) {
        expect(isSqsSafe(value.StringValue ?? '')).toBe(true);
      }
    });

    it('leaves out a routing list too long to fit beside the claim-check pointer', async () => {
      const ids = Array.from({ length: 50_000 }, (_, i) => String(i).padStart(24, '1'));
      // The ids alone pass the queue's 1 MiB limit.
      expect(Buffer.byteLength(ids.join(','))).toBeGreaterThan(1024 * 1024);
      const many = webhookPayload({
        entries: [
          messagesEntry({ messages: [textMessage({ body: 'hi' })] }),
          ...Array.from({ length: 50_000 }, (_, i) => ({
            id: '102290129340398',
            changes: [
              {
                field: 'messages',
                value: { metadata: { phone_number_id: ids[i] }, statuses: [] },
              },
            ],
          })),
        ],
      });
      const manyRaw = JSON.stringify(many);

      const result = await handleWebhookRequest(signedRequest(manyRaw, SECRET), deps);

      expect(result.statusCode).toBe(200);
      const [message] = await drain();
      expect(message!.MessageAttributes?.[A.claimCheck]?.StringValue).toBe('s3');
      expect(message!.MessageAttributes?.[A.phoneNumberIds]).toBeUndefined();
      expect(message!.MessageAttributes?.[A.wabaIds]?.StringValue).toBe('102290129340398');
    });

    it('base64-encodes a body holding characters SQS refuses', async () => {
      const odd = raw.replace('\\u00e1', '\uFFFF');
      expect(odd).not.toBe(raw);
      const result = await handleWebhookRequest(signedRequest(odd, SECRET), deps);
      expect(result.statusCode).toBe(200);
      const [message] = await drain();
      expect(message!.MessageAttributes?.[A.bodyEncoding]?.StringValue).toBe('base64');
      expect(Buffer.from(message!.Body!, 'base64').toString('utf8')).toBe(odd);
    });
  });

  describe('success log sampling', () => {
    it('logs the success line of the sampled share only, and every rejection', async () => {
      const lines: Array<{ msg: string }> = [];
      const draws = [0.05, 0.5, 0.2, 0.09];
      const sampledDeps: ReceiverDeps = {
        ...deps,
        logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) }),
        successLogSampleRate: 0.1,
        random: () => draws.shift()!,
      };

      for (let i = 0; i < 4; i++) {
        const result = await handleWebhookRequest(signedRequest(raw, SECRET), sampledDeps);
        expect(result.statusCode).toBe(200);
      }
      expect(
        (await handleWebhookRequest(signedRequest(raw, 'wrong'), sampledDeps)).statusCode,
      ).toBe(401);

      expect(lines.map((l) => l.msg)).toEqual([
        'webhook enqueued',
        'webhook enqueued',
        'webhook rejected',
      ]);
      expect(await drain()).toHaveLength(4);
    });
  });
});

describe('appsFromEnv()', () => {
  it('refuses to start without any app secret', () => {
    expect(() => appsFromEnv({ WHATSAPP_VERIFY_TOKEN: 'x' })).toThrow(/no app secret/);
    expect(() => appsFromEnv({ WHATSAPP_APP_SECRET: '   ', WHATSAPP_VERIFY_TOKEN: 'x' })).toThrow(
      /no app secret/,
    );
  });

  it('refuses an app without a verify token', () => {
    expect(() => appsFromEnv({ WHATSAPP_APP_SECRET: 's' })).toThrow(/WHATSAPP_VERIFY_TOKEN/);
  });
});
