import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import pino from 'pino';
import { createDb, upsertOrganization, type Db } from '@waba/db';
import {
  processSqsEvent,
  sqsMessageVisibility,
  type SqsProcessorDeps,
  type TransientBackoff,
} from '@waba/db-processor';
import { metaEscape } from '@waba/whatsapp';
import {
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  createTestQueues,
  until,
  type TestDatabase,
  type TestQueues,
} from '@waba/testing';
import { startEventSourceMapping, type EventSourceMapping } from '../src/event-source-mapping';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function depth(queues: TestQueues, url: string): Promise<number> {
  const { Attributes: a = {} } = await queues.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
}

/**
 * The processor behind the local event source mapping, on the emulator,
 * through a database outage: the same scenario with and without back-off.
 * The outage ends when the queue without back-off has dead-lettered its
 * message, so it is by construction longer than maxReceiveCount × the
 * visibility timeout (3 × 1 s); with back-off (3 s, 6 s, ...) the third and
 * last receive comes 9 s after the first.
 */
describe('a database outage behind the local event source mapping', () => {
  let t: TestDatabase;
  let down: Db;
  let databaseUp = false;
  const mappings: EventSourceMapping[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    await upsertOrganization(t.db, {
      name: 'Acme',
      slug: 'acme',
      phoneNumbers: [{ phoneNumberId: DEFAULT_PHONE_NUMBER_ID, wabaId: DEFAULT_WABA_ID }],
    });
    down = createDb({
      connectionString: 'postgres://postgres:postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });
  });
  afterAll(async () => {
    await Promise.all(mappings.map((m) => m.stop()));
    await down.destroy();
    await t.destroy();
  });

  /** The real processor; its database is down until `databaseUp`. */
  function startProcessor(queues: TestQueues, backoff: TransientBackoff | undefined) {
    const receives: SQSRecord[] = [];
    const deps: SqsProcessorDeps = {
      get db() {
        return databaseUp ? t.db : down;
      },
      payloads: { get: async () => Promise.reject(new Error('no S3 in this test')) },
      answers: { enqueue: async () => undefined },
      logger: silent,
      answerDelaySeconds: 0,
      ...(backoff && { backoff }),
    };
    mappings.push(
      startEventSourceMapping({
        sqs: queues.sqs,
        queueUrl: queues.ingest.url,
        logger: silent,
        handler: (event) => {
          receives.push(...event.Records);
          return processSqsEvent(event, deps);
        },
      }),
    );
    return receives;
  }

  it('dead-letters without back-off, and stores with it', async () => {
    const withBackoff = await createTestQueues({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
    const without = await createTestQueues({ visibilityTimeoutSeconds: 1, maxReceiveCount: 3 });
    const body = (text: string) =>
      metaEscape(
        JSON.stringify(
          webhookPayload({
            entries: [
              messagesEntry({ messages: [textMessage({ from: '5511900000001', body: text })] }),
            ],
          }),
        ),
      );
    for (const [queues, text] of [
      [withBackoff, 'with back-off'],
      [without, 'without back-off'],
    ] as const) {
      await queues.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.ingest.url, MessageBody: body(text) }),
      );
    }

    const backedOff = startProcessor(withBackoff, {
      policy: { baseSeconds: 3, maxSeconds: 60 },
      visibility: sqsMessageVisibility(withBackoff.sqs, withBackoff.ingest.url),
    });
    const plain = startProcessor(without, undefined);
    await until(async () => (await depth(without, without.ingest.dlqUrl)) === 1, 30_000);
    databaseUp = true;
    await until(
      async () =>
        (await t.db.selectFrom('messages').select('body').execute()).length > 0 &&
        (await depth(withBackoff, withBackoff.ingest.url)) === 0,
      30_000,
    );

    expect(await t.db.selectFrom('messages').select('body').execute()).toEqual([
      { body: 'with back-off' },
    ]);
    expect(await depth(withBackoff, withBackoff.ingest.dlqUrl)).toBe(0);
    expect(plain.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    // Each receive failed during the outage and was hidden for longer than the last.
    const counts = backedOff.map((r) => Number(r.attributes.ApproximateReceiveCount));
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts).toEqual(counts.map((_, i) => i + 1));
  });
});
