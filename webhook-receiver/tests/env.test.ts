import pino from 'pino';
import { EnvError } from '@waba/whatsapp';
import { badNumberCases, envErrorAbout } from '@waba/testing';
import { receiverEnvSchema } from '@waba/webhook-receiver';
import { receiverDepsFromEnv } from '../src/deps-from-env';

const VALID = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'k',
  AWS_SECRET_ACCESS_KEY: 's',
  INGEST_QUEUE_URL: 'http://127.0.0.1:1/000000000000/ingest',
  PAYLOAD_BUCKET: 'payloads',
  WHATSAPP_APP_SECRET: 'secret',
  WHATSAPP_VERIFY_TOKEN: 'token',
};

describe('receiverDepsFromEnv()', () => {
  it('reads a valid environment, defaults included', () => {
    expect(receiverDepsFromEnv(VALID).maxMessageBytes).toBe(262_144);
    expect(
      receiverDepsFromEnv({ ...VALID, SQS_MAX_MESSAGE_BYTES: '1048576' }).maxMessageBytes,
    ).toBe(1_048_576);
  });

  it.each([
    ...badNumberCases(['SQS_MAX_MESSAGE_BYTES']),
    ['SQS_MAX_MESSAGE_BYTES', '1.5'],
    ['SQS_MAX_MESSAGE_BYTES', '2000000'],
    ['INGEST_QUEUE_URL', ''],
    ['INGEST_QUEUE_URL', undefined],
    ['PAYLOAD_BUCKET', undefined],
  ] as Array<[string, string | undefined]>)('refuses %s=%p, naming the variable', (name, value) => {
    const env = { ...VALID, [name]: value };

    const start = () => receiverDepsFromEnv(env);

    expect(start).toThrow(EnvError);
    expect(start).toThrow(envErrorAbout(name));
  });

  it("sends through a caller's shared clients, to the queue and bucket its environment names", async () => {
    // No credentials: without shared clients the receiver's signed calls would need them.
    const withoutAws = Object.fromEntries(
      Object.entries(VALID).filter(([name]) => !name.startsWith('AWS_')),
    );
    const sent: string[] = [];
    const stored: string[] = [];
    const logger = pino({ level: 'silent' });

    const deps = receiverDepsFromEnv(withoutAws, {
      queue: (queueUrl) => ({
        send: async (body) => {
          sent.push(`${queueUrl} ${body}`);
        },
      }),
      payloads: (bucket) => ({
        put: async (key) => {
          stored.push(`${bucket}/${key}`);
          return { bucket, key };
        },
      }),
      logger,
    });
    await deps.queue.send('{}', {});
    await deps.payloads.put('k', Buffer.from('{}'));

    expect(sent).toEqual([`${VALID.INGEST_QUEUE_URL} {}`]);
    expect(stored).toEqual(['payloads/k']);
    expect(deps.logger).toBe(logger);
  });

  it('names every variable of the contract in its schema', () => {
    expect(Object.keys(receiverEnvSchema.shape)).toEqual(
      expect.arrayContaining(['INGEST_QUEUE_URL', 'PAYLOAD_BUCKET', 'SQS_MAX_MESSAGE_BYTES']),
    );
  });
});
