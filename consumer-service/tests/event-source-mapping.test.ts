import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pino from 'pino';
import { createTestQueues, type TestQueues } from '@waba/testing';
import {
  startEventSourceMapping,
  type BatchInfo,
  type EventSourceMapping,
  type EventSourceMappingOptions,
} from '../src/event-source-mapping';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function send(queues: TestQueues, bodies: string[], attributes = false): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries: SendMessageBatchRequestEntry[] = bodies.slice(i, i + 10).map((body, index) => ({
      Id: String(index),
      MessageBody: body,
      ...(attributes && {
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'test' },
          raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    }));
    await queues.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queues.ingest.url, Entries: entries }),
    );
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function messagesLeft(queues: TestQueues, url = queues.ingest.url): Promise<number> {
  const { Attributes } = await queues.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

const failing = (records: SQSRecord[], predicate: (r: SQSRecord) => boolean): SQSBatchResponse => ({
  batchItemFailures: records.filter(predicate).map((r) => ({ itemIdentifier: r.messageId })),
});

describe('startEventSourceMapping()', () => {
  let queues: TestQueues;
  let mapping: EventSourceMapping | undefined;
  const seen: SQSRecord[] = [];
  const batches: BatchInfo[] = [];

  const start = (
    options: Partial<EventSourceMappingOptions> & Pick<EventSourceMappingOptions, 'handler'>,
  ) => {
    mapping = startEventSourceMapping({
      sqs: queues.sqs,
      queueUrl: queues.ingest.url,
      logger: silent,
      onBatch: (info) => batches.push(info),
      ...options,
      handler: async (event: SQSEvent) => {
        seen.push(...event.Records);
        return options.handler(event);
      },
    });
    return mapping;
  };

  beforeEach(async () => {
    queues = await createTestQueues({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    seen.length = 0;
    batches.length = 0;
  });
  afterEach(async () => {
    await mapping?.stop();
    mapping = undefined;
  });

  it('deletes every record when the handler succeeds, delivering Lambda-shaped records', async () => {
    // Arrange
    await send(queues, ['a', 'b', 'c'], true);

    // Act
    const esm = start({ handler: async () => undefined });
    await waitFor(() => esm.stats().deleted === 3);

    // Assert
    expect(await messagesLeft(queues)).toBe(0);
    expect(esm.stats()).toMatchObject({ received: 3, deleted: 3, failed: 0, errors: 0 });
    const record = seen[0]!;
    expect(record).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d+:ingest-/),
      awsRegion: 'us-east-1',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
      },
      messageAttributes: {
        kind: {
          stringValue: 'test',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        raw: {
          binaryValue: 'AQID',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
    });
    expect(seen.map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
  });

  it('leaves only the records in batchItemFailures, which come back after the visibility timeout', async () => {
    // Arrange
    await send(queues, ['ok-1', 'fail-1', 'ok-2', 'fail-2']);

    // Act
    const esm = start({
      handler: async (event) =>
        failing(
          event.Records,
          (r) => r.body.startsWith('fail') && r.attributes.ApproximateReceiveCount === '1',
        ),
    });
    await waitFor(() => esm.stats().deleted === 4);

    // Assert
    const redelivered = seen.filter((r) => r.attributes.ApproximateReceiveCount === '2');
    expect(redelivered.map((r) => r.body).sort()).toEqual(['fail-1', 'fail-2']);
    expect(seen).toHaveLength(6);
    expect(await messagesLeft(queues)).toBe(0);
    expect(esm.stats()).toMatchObject({ received: 6, deleted: 4, failed: 2 });
  });

  it('moves a record that always fails to the DLQ after maxReceiveCount', async () => {
    // Arrange
    await send(queues, ['poison', 'fine']);

    // Act
    const esm = start({
      handler: async (event) => failing(event.Records, (r) => r.body === 'poison'),
    });
    await waitFor(
      () => seen.filter((r) => r.body === 'poison').length === queues.ingest.maxReceiveCount,
    );
    await waitFor(() => messagesLeft(queues, queues.ingest.dlqUrl).then((n) => n === 1));

    // Assert
    const { Messages } = await queues.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.ingest.dlqUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(await messagesLeft(queues)).toBe(0);
    expect(esm.stats().deleted).toBe(1);
  });

  it.each([
    ['throws', async () => Promise.reject(new Error('db down'))],
    [
      'reports an unknown itemIdentifier',
      async () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }),
    ],
    [
      'reports an empty itemIdentifier',
      async () => ({ batchItemFailures: [{ itemIdentifier: '' }] }),
    ],
  ])('retries the whole batch when the handler %s', async (_, firstAttempt) => {
    // Arrange
    await send(queues, ['a', 'b', 'c']);

    // Act
    const esm = start({
      handler: async (event) =>
        event.Records.some((r) => r.attributes.ApproximateReceiveCount === '1')
          ? firstAttempt()
          : undefined,
    });
    await waitFor(() => esm.stats().deleted === 3);

    // Assert
    const secondDeliveries = seen.filter((r) => r.attributes.ApproximateReceiveCount === '2');
    expect(secondDeliveries.map((r) => r.body).sort()).toEqual(['a', 'b', 'c']);
    expect(batches[0]!.failed).toBe(batches[0]!.size);
    expect(await messagesLeft(queues)).toBe(0);
  });

  it('gathers messages arriving within the batching window into one batch', async () => {
    // Arrange: a window must stay under the visibility timeout, as on AWS.
    queues = await createTestQueues({ visibilityTimeoutSeconds: 10 });
    const esm = start({
      batchSize: 10,
      maximumBatchingWindowSeconds: 2,
      handler: async () => undefined,
    });

    // Act: three sends 200 ms apart, well inside the window.
    for (const body of ['1', '2', '3']) {
      await send(queues, [body]);
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor(() => esm.stats().deleted === 3);

    // Assert
    expect(batches.map((b) => b.size)).toEqual([3]);
  });

  it('gathers several receives into one batch when batchSize is over 10', async () => {
    // Arrange
    queues = await createTestQueues({ visibilityTimeoutSeconds: 10 });
    await send(
      queues,
      Array.from({ length: 25 }, (_, i) => `m${i}`),
    );

    // Act
    const esm = start({
      batchSize: 25,
      maximumBatchingWindowSeconds: 2,
      handler: async () => undefined,
    });
    await waitFor(() => esm.stats().deleted === 25);

    // Assert
    expect(batches.map((b) => b.size)).toEqual([25]);
    expect(await messagesLeft(queues)).toBe(0);
  });

  it('stop() waits for the in-flight handler and its deletes', async () => {
    // Arrange
    await send(queues, ['slow']);
    let finished = false;
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const esm = start({
      handler: async () => {
        started();
        await new Promise((r) => setTimeout(r, 700));
        finished = true;
      },
    });
    await handlerStarted;

    // Act
    await esm.stop();

    // Assert
    expect(finished).toBe(true);
    expect(esm.stats()).toMatchObject({ deleted: 1, batches: 1 });
    expect(await messagesLeft(queues)).toBe(0);
  });

  it('fails a batch whose handler outlives handlerTimeoutMs', async () => {
    // Arrange
    await send(queues, ['stuck']);

    // Act
    const esm = start({
      handlerTimeoutMs: 200,
      handler: () => new Promise((r) => setTimeout(r, 1_000)),
    });
    await waitFor(() => batches.length === 1);

    // Assert
    expect(batches[0]).toMatchObject({
      size: 1,
      failed: 1,
      error: expect.objectContaining({ name: 'HandlerTimeoutError' }),
    });
    expect(esm.stats()).toMatchObject({ deleted: 0, errors: 1 });
  });

  it('survives an unreachable endpoint and still stops promptly', async () => {
    // Arrange
    const sqs = new SQSClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const esm = startEventSourceMapping({
      sqs,
      queueUrl: 'http://127.0.0.1:9/000000000000/gone',
      logger: silent,
      handler: async () => undefined,
    });
    await waitFor(() => esm.stats().errors >= 1);

    // Act
    const before = Date.now();
    await esm.stop();

    // Assert
    expect(Date.now() - before).toBeLessThan(500);
    expect(esm.stats()).toMatchObject({ batches: 0, received: 0 });
    sqs.destroy();
  });
});
