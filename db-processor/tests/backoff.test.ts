import { DeleteMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { EnvError } from '@waba/whatsapp';
import { createDb, type Db } from '@waba/db';
import {
  backoffSeconds,
  ingestBackoffFromEnv,
  MAX_BACKOFF_SECONDS,
  processSqsEvent,
  queueUrlFromArn,
  sqsMessageVisibility,
  type MessageVisibility,
  type VisibilityDelay,
} from '@waba/db-processor';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  createTestQueues,
  receiveRecords,
  type TestDatabase,
  type TestQueues,
  processorDeps,
  registerDefaultOrganization,
  sqsEvent,
  sqsRecord,
  whileRefusingBody,
} from '@waba/testing';

const POLICY = { baseSeconds: 60, maxSeconds: 3600 };

describe('backoffSeconds()', () => {
  it.each([
    [1, 60],
    [2, 120],
    [3, 240],
    [6, 1920],
    [7, 3600],
    [50, 3600],
    [1e9, 3600],
    // Lambda always sends a count; anything unreadable counts as a first receive.
    [0, 60],
    [Number.NaN, 60],
  ])('waits min(60 × 2^(n-1), 3600) after receive %p: %p s', (receiveCount, seconds) => {
    expect(backoffSeconds(receiveCount, POLICY)).toBe(seconds);
  });

  it("never asks for more than SQS's 12 hours less a Lambda timeout", () => {
    expect(backoffSeconds(40, { baseSeconds: 60, maxSeconds: 10 ** 9 })).toBe(MAX_BACKOFF_SECONDS);
  });
});

describe('queueUrlFromArn()', () => {
  it.each([
    [
      'arn:aws:sqs:eu-west-1:123456789012:waba-ingest',
      'https://sqs.eu-west-1.amazonaws.com/123456789012/waba-ingest',
    ],
    [
      'arn:aws-cn:sqs:cn-north-1:123456789012:ingest',
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/ingest',
    ],
  ])('maps %s to %s', (arn, url) => {
    expect(queueUrlFromArn(arn)).toBe(url);
  });

  it('refuses an ARN of another service', () => {
    expect(() => queueUrlFromArn('arn:aws:sns:eu-west-1:123456789012:topic')).toThrow(/SQS/);
  });
});

describe('ingestBackoffFromEnv()', () => {
  it('defaults to 60 s doubling up to 1 h, on the queue the records name', () => {
    expect(ingestBackoffFromEnv({})).toEqual({ policy: POLICY, queueUrl: undefined });
  });

  it('refuses an empty value like every other number of the contract', () => {
    expect(() => ingestBackoffFromEnv({ INGEST_BACKOFF_BASE_SECONDS: '' })).toThrow(EnvError);
  });

  it('turns back-off off with a base of 0', () => {
    expect(ingestBackoffFromEnv({ INGEST_BACKOFF_BASE_SECONDS: '0' }).policy).toBeUndefined();
  });

  it.each([
    [{ INGEST_BACKOFF_BASE_SECONDS: 'abc' }, /INGEST_BACKOFF_BASE_SECONDS/],
    [{ INGEST_BACKOFF_MAX_SECONDS: '43200' }, /INGEST_BACKOFF_MAX_SECONDS/],
    [{ INGEST_BACKOFF_BASE_SECONDS: '120', INGEST_BACKOFF_MAX_SECONDS: '60' }, /below/],
    [{ INGEST_QUEUE_URL: 'not a url' }, /INGEST_QUEUE_URL/],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => ingestBackoffFromEnv(env)).toThrow(message);
  });
});

describe('processSqsEvent() with back-off', () => {
  let t: TestDatabase;
  let down: Db;

  beforeAll(async () => {
    t = await createTestDatabase();
    down = createDb({
      connectionString: 'postgres://postgres:postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });
  });
  afterAll(async () => {
    await down.destroy();
    await t.destroy();
  });
  beforeEach(async () => {
    await t.reset();
    await registerDefaultOrganization(t.db);
  });

  const webhook = (body: string) =>
    webhookPayload({
      entries: [messagesEntry({ messages: [textMessage({ from: '5511999990000', body })] })],
    });

  /** A visibility that records what it was asked, and answers with `unchanged`. */
  const recordingVisibility = (unchanged: number | Error = 0) => {
    const calls: VisibilityDelay[][] = [];
    const visibility: MessageVisibility = {
      delay: async (delays) => {
        calls.push([...delays]);
        if (unchanged instanceof Error) throw unchanged;
        return unchanged;
      },
    };
    return { calls, visibility };
  };

  const withReceiveCount = (n: number, body: string) => {
    const record = sqsRecord(webhook(body));
    record.attributes.ApproximateReceiveCount = String(n);
    return record;
  };

  it('delays every message of a batch the outage fails, by its receive count, and reports them all', async () => {
    const { calls, visibility } = recordingVisibility();
    const records = [withReceiveCount(1, 'a'), withReceiveCount(4, 'b'), withReceiveCount(9, 'c')];

    const result = await processSqsEvent(
      sqsEvent(records),
      processorDeps(down, { backoff: { policy: POLICY, visibility } }),
    );

    expect(result.batchItemFailures).toEqual(records.map((r) => ({ itemIdentifier: r.messageId })));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((d) => [d.record.messageId, d.seconds])).toEqual([
      [records[0]!.messageId, 60],
      [records[1]!.messageId, 480],
      [records[2]!.messageId, 3600],
    ]);
  });

  it.each([
    ['SQS refuses some entries', 2],
    ['the call fails', new Error('sqs down too')],
  ])(
    'still reports the whole batch when %s (the visibility timeout applies)',
    async (_label, answer) => {
      const { visibility } = recordingVisibility(answer);
      const records = [withReceiveCount(1, 'a'), withReceiveCount(1, 'b')];

      const result = await processSqsEvent(
        sqsEvent(records),
        processorDeps(down, { backoff: { policy: POLICY, visibility } }),
      );

      expect(result.batchItemFailures).toHaveLength(2);
    },
  );

  it("leaves a record that fails on its own to the queue's visibility timeout", async () => {
    const { calls, visibility } = recordingVisibility();
    const poison = withReceiveCount(1, 'bad');

    const result = await whileRefusingBody(t.db, 'bad', () =>
      processSqsEvent(
        sqsEvent([withReceiveCount(1, 'good'), poison]),
        processorDeps(t.db, { backoff: { policy: POLICY, visibility } }),
      ),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    expect(calls).toEqual([]);
  });

  describe('on the SQS emulator (sqsMessageVisibility)', () => {
    let queues: TestQueues;

    beforeEach(async () => {
      queues = await createTestQueues({ visibilityTimeoutSeconds: 1, maxReceiveCount: 10 });
    });

    const send = async (bodies: string[]) => {
      for (let i = 0; i < bodies.length; i += 10) {
        await queues.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.ingest.url,
            Entries: bodies
              .slice(i, i + 10)
              .map((b, n) => ({ Id: String(n), MessageBody: JSON.stringify(webhook(b)) })),
          }),
        );
      }
    };

    /** Receives (and deletes) `count` messages; their texts and receive counts, in order. */
    const receiveInOrder = async (count: number) => {
      const order: Array<{ text: string; receiveCount: string }> = [];
      while (order.length < count) {
        for (const r of await receiveRecords(queues.sqs, queues.ingest.url, { max: 1 })) {
          const text = (JSON.parse(r.body) as ReturnType<typeof webhook>).entry[0]!.changes[0]!
            .value as { messages: Array<{ text: { body: string } }> };
          order.push({
            text: text.messages[0]!.text.body,
            receiveCount: r.attributes.ApproximateReceiveCount,
          });
          await queues.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: queues.ingest.url,
              ReceiptHandle: r.receiptHandle,
            }),
          );
        }
      }
      return order;
    };

    it('hides a batch the outage failed for its delay: a message left alone comes back first', async () => {
      await send(['delayed', 'left alone']);
      const first = await receiveRecords(queues.sqs, queues.ingest.url, { max: 10 });
      const delayed = first.filter((r) => r.body.includes('"delayed"'));
      expect(first).toHaveLength(2);

      // The processor backs off only the delayed one (3 s); the other keeps the queue's 1 s.
      const result = await processSqsEvent(
        sqsEvent(delayed),
        processorDeps(down, {
          backoff: {
            policy: { baseSeconds: 3, maxSeconds: 3 },
            visibility: sqsMessageVisibility(queues.sqs, queues.ingest.url),
          },
        }),
      );

      expect(result.batchItemFailures).toHaveLength(1);
      expect(await receiveInOrder(2)).toEqual([
        { text: 'left alone', receiveCount: '2' },
        { text: 'delayed', receiveCount: '2' },
      ]);
    });

    it('changes more than 10 messages in chunks, and counts the receipt handles SQS refuses', async () => {
      await send(Array.from({ length: 12 }, (_, i) => `m${i}`));
      const records = [];
      while (records.length < 12) {
        records.push(...(await receiveRecords(queues.sqs, queues.ingest.url)));
      }
      const stale = { ...records[0]!, receiptHandle: 'not-a-receipt-handle' };

      const unchanged = await sqsMessageVisibility(queues.sqs, queues.ingest.url).delay(
        [...records, stale].map((record) => ({ record, seconds: 30 })),
      );

      expect(unchanged).toBe(1);
    });
  });
});
