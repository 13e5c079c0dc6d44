import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { INGEST_ATTRIBUTES as A, signPayload } from '@waba/whatsapp';
import { handleWebhookRequest } from '@waba/webhook-receiver';
import { readRecord } from '@waba/db-processor';
import { apiEvent } from '@waba/testing';
import {
  APP_SECRET,
  OTHER_APP,
  VERIFY_TOKEN,
  inMemoryIngest,
  type InMemoryIngest,
} from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import { buildPayloads, scenarioArb } from './helpers/scenarios';

type AppChoice = 'default' | 'other' | 'unknown';
type SignatureKind =
  | 'valid'
  | 'valid-uppercase'
  | 'valid-padded'
  | 'other-app'
  | 'wrong-secret'
  | 'other-body'
  | 'truncated'
  | 'sha1'
  | 'garbage'
  | 'missing';

interface FuzzInput {
  method: string;
  app: AppChoice;
  body: Uint8Array;
  base64: boolean;
  signature: SignatureKind;
  garbage: string;
  headerName: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  claimCheckBelow: number;
}

const secretOf = (app: AppChoice) => (app === 'other' ? OTHER_APP.secret : APP_SECRET);
const appIdOf = (app: AppChoice) =>
  app === 'default' ? undefined : app === 'other' ? OTHER_APP.id : 'no-such-app';
const tokenOf = (app: AppChoice) => (app === 'other' ? OTHER_APP.verifyToken : VERIFY_TOKEN);

/** Byte-level damage to a body: flips, cuts, insertions. */
function mutateBytes(bytes: Uint8Array, edits: Array<[number, number, number]>): Uint8Array {
  let out = Buffer.from(bytes);
  for (const [kind, position, value] of edits) {
    const at = out.length === 0 ? 0 : position % out.length;
    if (kind === 0 && out.length > 0) out[at] = value;
    else if (kind === 1) out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from([value]), out.subarray(at)]);
  }
  return out;
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const validBodyArb = scenarioArb.map((s) => utf8(buildPayloads(s)[0]!));
const envelope = (value: unknown) => ({ object: 'whatsapp_business_account', entry: value });

const bodyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: validBodyArb },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        validBodyArb,
        fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      )
      .map(([body, edits]) => mutateBytes(body, edits)),
  },
  { weight: 2, arbitrary: fc.json().map(utf8) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => utf8(JSON.stringify(envelope(v)))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map(utf8) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array()) },
  // A byte order mark: JSON forbids it, and the bytes Meta signed must be the bytes kept.
  { weight: 1, arbitrary: validBodyArb.map((b) => new Uint8Array([0xef, 0xbb, 0xbf, ...b])) },
);

const headerNameArb = fc.constantFrom(
  'x-hub-signature-256',
  'X-Hub-Signature-256',
  'X-HUB-SIGNATURE-256',
);

const inputArb: fc.Arbitrary<FuzzInput> = fc.record({
  method: fc.oneof(
    { weight: 12, arbitrary: fc.constant('POST') },
    { weight: 4, arbitrary: fc.constant('GET') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'post') },
  ),
  app: fc.oneof(
    { weight: 6, arbitrary: fc.constant<AppChoice>('default') },
    { weight: 2, arbitrary: fc.constant<AppChoice>('other') },
    { weight: 1, arbitrary: fc.constant<AppChoice>('unknown') },
  ),
  body: bodyArb,
  base64: fc.boolean(),
  signature: fc.constantFrom<SignatureKind>(
    'valid',
    'valid',
    'valid',
    'valid',
    'valid-uppercase',
    'valid-padded',
    'other-app',
    'wrong-secret',
    'other-body',
    'truncated',
    'sha1',
    'garbage',
    'missing',
  ),
  garbage: fc.string({ unit: 'binary', maxLength: 80 }),
  headerName: headerNameArb,
  headers: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !/signature/i.test(k)),
    fc.string({ unit: 'binary', maxLength: 60 }),
    { maxKeys: 4 },
  ),
  query: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 40 }), {
      maxKeys: 4,
    }),
    fc.record(
      {
        'hub.mode': fc.constantFrom('subscribe', 'unsubscribe', 'SUBSCRIBE', ''),
        'hub.verify_token': fc.constantFrom(
          VERIFY_TOKEN,
          OTHER_APP.verifyToken,
          `${VERIFY_TOKEN} `,
          VERIFY_TOKEN.slice(0, -1),
          '',
        ),
        'hub.challenge': fc.string({ unit: 'binary', maxLength: 40 }),
      },
      { requiredKeys: [] },
    ),
  ),
  claimCheckBelow: fc.constantFrom(262_144, 262_144, 1_500),
});

function signatureHeader(input: FuzzInput): string | undefined {
  const secret = secretOf(input.app);
  const body = Buffer.from(input.body);
  const valid = signPayload(body, secret);
  switch (input.signature) {
    case 'valid':
      return valid;
    case 'valid-uppercase':
      return `sha256=${valid.slice(7).toUpperCase()}`;
    case 'valid-padded':
      return ` ${valid}\t`;
    case 'other-app':
      return signPayload(body, secret === APP_SECRET ? OTHER_APP.secret : APP_SECRET);
    case 'wrong-secret':
      return signPayload(body, `${secret}x`);
    case 'other-body':
      return signPayload(Buffer.concat([body, Buffer.from(' ')]), secret);
    case 'truncated':
      return valid.slice(0, -2);
    case 'sha1':
      return `sha1=${createHash('sha1').update(body).digest('hex')}`;
    case 'garbage':
      return input.garbage;
    case 'missing':
      return undefined;
  }
}

const validSignature = (s: SignatureKind) => s.startsWith('valid');

/** The independent oracle: the status Meta must get for this request. */
function expectedStatus(input: FuzzInput): number {
  if (input.app === 'unknown') return 404;
  if (input.method === 'GET') {
    const q = input.query;
    return q['hub.mode'] === 'subscribe' && q['hub.verify_token'] === tokenOf(input.app)
      ? 200
      : 403;
  }
  if (input.method !== 'POST') return 405;
  if (!validSignature(input.signature)) return 401;
  let parsed: unknown;
  try {
    if (!isUtf8(input.body)) return 400;
    parsed = JSON.parse(Buffer.from(input.body).toString('utf8'));
  } catch {
    return 400;
  }
  const object = (parsed as { object?: unknown } | null)?.object;
  return typeof parsed === 'object' && parsed !== null && object === 'whatsapp_business_account'
    ? 200
    : 400;
}

describe('receiver fuzz: mutated and random bodies, headers and query strings', () => {
  const ingests = new Map<number, InMemoryIngest>();
  const ingestFor = (max: number) => {
    const existing = ingests.get(max);
    if (existing) return existing;
    const created = inMemoryIngest({ maxMessageBytes: max });
    ingests.set(max, created);
    return created;
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  const outcomes: Record<string, number> = {};
  let inputs = 0;

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    countInputs('receiver-fuzz', inputs, { outcomes });
  });

  it(
    'answers every input as the oracle says: enqueued once with a 200, or a 4xx with a reason and nothing enqueued',
    async () => {
      await fc.assert(
        fc.asyncProperty(inputArb, async (input) => {
          const ingest = ingestFor(input.claimCheckBelow);
          const before = ingest.sent.length;
          const signature = signatureHeader(input);
          const event = apiEvent(input.method as 'GET' | 'POST', {
            body: input.method === 'GET' ? undefined : Buffer.from(input.body),
            // As API Gateway does: a body that is not UTF-8 text arrives base64-encoded.
            base64: input.base64 || !isUtf8(input.body),
            appId: appIdOf(input.app),
            query: input.query,
            headers: {
              ...input.headers,
              ...(signature === undefined ? {} : { [input.headerName]: signature }),
            },
          });

          const result = await handleWebhookRequest(event, ingest.deps);

          const expected = expectedStatus(input);
          expect(result.statusCode).toBe(expected);
          outcomes[String(expected)] = (outcomes[String(expected)] ?? 0) + 1;
          const enqueued = ingest.take();
          if (input.method === 'POST' && expected === 200) {
            // Enqueued exactly once, and the processor reads back the exact bytes.
            expect(enqueued).toHaveLength(1);
            const record = enqueued[0]!;
            const sha = createHash('sha256').update(input.body).digest('hex');
            expect(record.messageAttributes[A.bodySha256]?.stringValue).toBe(sha);
            const read = await readRecord(record, ingest.reader);
            expect(read.raw === Buffer.from(input.body).toString('utf8')).toBe(true);
          } else {
            expect(enqueued).toHaveLength(0);
            expect(ingest.sent).toHaveLength(before);
            if (expected >= 400) expect(String(result.body ?? '').length).toBeGreaterThan(0);
            if (expected === 200) expect(result.body).toBe(input.query['hub.challenge'] ?? '');
          }
          inputs += 1;
        }),
        fcParams(runs(20_000, 400_000)),
      );
      expect(unhandled).toEqual([]);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
