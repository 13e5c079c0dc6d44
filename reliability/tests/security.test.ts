import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { metaEscape, signPayload } from '@waba/whatsapp';
import { messagesEntry, textMessage, webhookPayload, apiEvent } from '@waba/testing';
import { appsFromEnv, appsFromSecret, handleWebhookRequest } from '@waba/webhook-receiver';
import type * as ReceiverHandler from '../../webhook-receiver/src/handler';
import { APP_SECRET, OTHER_APP, VERIFY_TOKEN, inMemoryIngest } from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';

const RAW = metaEscape(
  JSON.stringify(
    webhookPayload({
      entries: [messagesEntry({ messages: [textMessage({ from: '5511', body: 'olá / 😀' })] })],
    }),
  ),
);

type SignatureCase = [name: string, header: (raw: Buffer, secret: string) => string | undefined];

const BAD_SIGNATURES: SignatureCase[] = [
  ['no header', () => undefined],
  ['an empty header', () => ''],
  ['sha256= and nothing', () => 'sha256='],
  ['the wrong secret', (raw) => signPayload(raw, 'not-the-secret')],
  ['an empty secret', (raw) => signPayload(raw, '')],
  [
    'a signature of another body',
    (raw, s) => signPayload(Buffer.concat([raw, Buffer.from('\n')]), s),
  ],
  // Meta signs its escaped bytes; the same JSON re-serialized is another body.
  [
    'a signature of the re-serialized JSON',
    (raw, s) => signPayload(JSON.stringify(JSON.parse(raw.toString())), s),
  ],
  [
    'a signature of the base64 text, not the bytes',
    (raw, s) => signPayload(raw.toString('base64'), s),
  ],
  [
    'a SHA-1 signature',
    (raw, s) => `sha1=${createHash('sha1').update(raw).update(s).digest('hex')}`,
  ],
  ['a truncated signature', (raw, s) => signPayload(raw, s).slice(0, 40)],
  [
    'the right signature with a bit flipped',
    (raw, s) => signPayload(raw, s).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
  ],
  ['two signatures', (raw, s) => `${signPayload(raw, s)},${signPayload(raw, s)}`],
];

const PATHS: Array<[name: string, appId: string | undefined, secret: string]> = [
  ['/webhook', undefined, APP_SECRET],
  [`/webhook/${OTHER_APP.id}`, OTHER_APP.id, OTHER_APP.secret],
];

describe('no POST path accepts an unsigned or wrongly signed body', () => {
  describe.each(PATHS)('POST %s', (_path, appId, secret) => {
    it.each(BAD_SIGNATURES)('refuses %s with 401 and enqueues nothing', async (_name, sign) => {
      for (const base64 of [false, true]) {
        const ingest = inMemoryIngest();
        const header = sign(Buffer.from(RAW), secret);
        const event = apiEvent('POST', {
          body: RAW,
          base64,
          appId,
          headers: header === undefined ? {} : { 'x-hub-signature-256': header },
        });

        const result = await handleWebhookRequest(event, ingest.deps);

        expect(result.statusCode).toBe(401);
        expect(ingest.sent).toEqual([]);
      }
    });

    it("refuses a body signed with another app's secret", async () => {
      const ingest = inMemoryIngest();
      const other = secret === APP_SECRET ? OTHER_APP.secret : APP_SECRET;
      const event = apiEvent('POST', {
        body: RAW,
        appId,
        headers: { 'x-hub-signature-256': signPayload(RAW, other) },
      });

      expect((await handleWebhookRequest(event, ingest.deps)).statusCode).toBe(401);
      expect(ingest.sent).toEqual([]);
    });

    it('accepts the body signed with its own secret (the control)', async () => {
      const ingest = inMemoryIngest();
      const event = apiEvent('POST', {
        body: RAW,
        appId,
        headers: { 'x-hub-signature-256': signPayload(RAW, secret) },
      });

      expect((await handleWebhookRequest(event, ingest.deps)).statusCode).toBe(200);
      expect(ingest.sent).toHaveLength(1);
    });
  });

  it('answers 404 to a POST for an app nobody configured, signed or not', async () => {
    const ingest = inMemoryIngest();
    for (const secret of [APP_SECRET, OTHER_APP.secret, '']) {
      const event = apiEvent('POST', {
        body: RAW,
        appId: 'unknown-app',
        headers: { 'x-hub-signature-256': signPayload(RAW, secret) },
      });
      expect((await handleWebhookRequest(event, ingest.deps)).statusCode).toBe(404);
    }
    expect(ingest.sent).toEqual([]);
  });
});

const LAMBDA_ENV = {
  LOG_LEVEL: 'silent',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  INGEST_QUEUE_URL: 'http://127.0.0.1:1/000000000000/ingest',
  PAYLOAD_BUCKET: 'payloads',
};

/** Runs `fn` with the process environment of a Lambda configured with `env`. */
function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = process.env;
  process.env = { ...LAMBDA_ENV, ...env };
  try {
    return fn();
  } finally {
    process.env = saved;
  }
}

/** Loads the Lambda handler module as a cold start with `env` would. */
function coldStart(env: Record<string, string>): typeof ReceiverHandler {
  return withEnv(env, () => {
    let loaded: typeof ReceiverHandler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('../../webhook-receiver/src/handler') as typeof ReceiverHandler;
    });
    return loaded!;
  });
}

const MISCONFIGURED: Array<[name: string, env: Record<string, string>]> = [
  ['no secret at all', {}],
  ['an empty WHATSAPP_APP_SECRET', { WHATSAPP_APP_SECRET: '', WHATSAPP_VERIFY_TOKEN: 't' }],
  ['a blank WHATSAPP_APP_SECRET', { WHATSAPP_APP_SECRET: '  \t', WHATSAPP_VERIFY_TOKEN: 't' }],
  [
    'only a blank previous secret',
    { WHATSAPP_APP_SECRET_PREVIOUS: ' ', WHATSAPP_VERIFY_TOKEN: 't' },
  ],
  ['a secret without a verify token', { WHATSAPP_APP_SECRET: 'secret' }],
  ['WHATSAPP_APPS without apps', { WHATSAPP_APPS: '{}' }],
  ['WHATSAPP_APPS that is not JSON', { WHATSAPP_APPS: "{'1': {}}" }],
  ['an app with an empty secret', { WHATSAPP_APPS: '{"1":{"secrets":[""],"verifyToken":"t"}}' }],
  [
    'an app with a string where the list belongs',
    { WHATSAPP_APPS: '{"1":{"secrets":"abc","verifyToken":"t"}}' },
  ],
  ['an app that is not an object', { WHATSAPP_APPS: '{"1":"secret"}' }],
  ['a JSON string instead of a document', { WHATSAPP_APPS: '"secret"' }],
];

describe('a misconfigured secret: production refuses to start', () => {
  // The module is loaded in its own registry: its error class is not ours, its name is.
  const startupError = (env: Record<string, string>) => {
    try {
      coldStart(env);
    } catch (error) {
      return error as Error;
    }
    return undefined;
  };

  it.each(MISCONFIGURED)('the receiver Lambda does not start with %s', (_name, env) => {
    expect(startupError(env)?.name).toBe('ConfigurationError');
  });

  it('names what is missing', () => {
    expect(startupError({})?.message).toBe(
      'no app secret configured (WHATSAPP_APP_SECRET or WHATSAPP_APPS)',
    );
  });

  it('starts with a secret, and still refuses an unsigned POST (the control)', async () => {
    const env = { WHATSAPP_APP_SECRET: 'cold', WHATSAPP_VERIFY_TOKEN: 't' };
    const { handler } = coldStart(env);

    const result = await withEnv(env, () => handler(apiEvent('POST', { body: RAW })));

    expect(result.statusCode).toBe(401);
  });

  it('answers 5xx (never 2xx) when the apps secret in Secrets Manager is unreadable or has no secret', async () => {
    for (const read of [
      async () => '{"1":{"secrets":[],"verifyToken":"t"}}',
      async () => '{}',
      async () => Promise.reject(new Error('AccessDenied')),
    ]) {
      const ingest = inMemoryIngest();
      const deps = { ...ingest.deps, apps: appsFromSecret({ read }, 'arn:secret', 0) };
      for (const appId of [undefined, '1']) {
        const event = apiEvent('POST', {
          body: RAW,
          appId,
          headers: { 'x-hub-signature-256': signPayload(RAW, '') },
        });
        const { statusCode } = await handleWebhookRequest(event, deps);
        expect(statusCode === 500 || statusCode === 404).toBe(true);
      }
      expect(ingest.sent).toEqual([]);
    }
  });

  it(
    'never accepts a key nobody configured, whatever the apps document says',
    async () => {
      let documents = 0;
      const secretArb = fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('', ' ', 'a', 'abc', 'real-secret'),
      );
      const appArb = fc.oneof(
        fc.record(
          {
            secrets: fc.oneof(fc.array(secretArb, { maxLength: 3 }), secretArb, fc.jsonValue()),
            secret: fc.oneof(secretArb, fc.jsonValue()),
            previousSecret: secretArb,
            verifyToken: fc.oneof(fc.constantFrom('t', ''), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      );
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom('1', '2', 'x'), appArb), async (doc) => {
          documents += 1;
          const configured = new Set(
            Object.values(doc).flatMap((app) => {
              const a = (app ?? {}) as Record<string, unknown>;
              return [...(Array.isArray(a.secrets) ? a.secrets : []), a.secret, a.previousSecret];
            }),
          );
          let apps;
          try {
            apps = appsFromEnv({ WHATSAPP_APPS: JSON.stringify(doc) });
          } catch (error) {
            expect((error as Error).name).toBe('ConfigurationError');
            return;
          }
          for (const appId of Object.keys(doc)) {
            const app = await apps.get(appId);
            if (!app) continue;
            for (const secret of app.secrets) {
              expect(configured.has(secret)).toBe(true);
              expect(secret.trim()).not.toBe('');
            }
            const ingest = { ...inMemoryIngest().deps, apps };
            const unsigned = apiEvent('POST', { body: RAW, appId });
            expect((await handleWebhookRequest(unsigned, ingest)).statusCode).toBe(401);
          }
        }),
        fcParams(runs(2_000, 50_000)),
      );
      countInputs('security-apps-documents', documents);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('verify token', () => {
  const ingest = inMemoryIngest();
  const challenge = (appId: string | undefined, query: Record<string, string>) =>
    handleWebhookRequest(apiEvent('GET', { appId, query }), ingest.deps);

  it.each([
    [
      'a wrong token',
      { 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' },
    ],
    [
      "the other app's token",
      { 'hub.mode': 'subscribe', 'hub.verify_token': OTHER_APP.verifyToken, 'hub.challenge': '1' },
    ],
    [
      'a prefix of the token',
      {
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN.slice(0, 5),
        'hub.challenge': '1',
      },
    ],
    [
      'the token in another case',
      {
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN.toUpperCase(),
        'hub.challenge': '1',
      },
    ],
    ['an empty token', { 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }],
    ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
    [
      'the right token but another mode',
      { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
    ],
  ])('answers 403 to %s, without echoing the challenge', async (_name, query) => {
    const result = await challenge(undefined, query);

    expect(result.statusCode).toBe(403);
    expect(result.body).not.toBe('1');
  });

  it('echoes the challenge for the right token of each app (the control)', async () => {
    const q = (token: string) => ({
      'hub.mode': 'subscribe',
      'hub.verify_token': token,
      'hub.challenge': '31337',
    });
    expect(await challenge(undefined, q(VERIFY_TOKEN))).toMatchObject({
      statusCode: 200,
      body: '31337',
    });
    expect(await challenge(OTHER_APP.id, q(OTHER_APP.verifyToken))).toMatchObject({
      statusCode: 200,
      body: '31337',
    });
    expect((await challenge(OTHER_APP.id, q(VERIFY_TOKEN))).statusCode).toBe(403);
  });
});
