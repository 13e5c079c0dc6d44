import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type DeleteMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import pino from 'pino';
import { createTestQueues, receiveRecords, type TestQueues } from '@waba/testing';
import { acknowledge, deleteRecords, recordsToDelete } from '../src/acknowledge';

const silent = pino({ level: 'silent' });

const record = (id: string): SQSRecord =>
  ({ messageId: id, receiptHandle: `rh-${id}` }) as SQSRecord;

async function visibleAndHidden(queues: TestQueues): Promise<[number, number]> {
  const { Attributes: a = {} } = await queues.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queues.ingest.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return [Number(a.ApproximateNumberOfMessages), Number(a.ApproximateNumberOfMessagesNotVisible)];
}

describe('recordsToDelete()', () => {
  const records = ['a', 'b', 'c'].map(record);

  it.each<[string, Set<string> | 'all', string[]]>([
    ['none failed', new Set(), ['a', 'b', 'c']],
    ['some failed', new Set(['b']), ['a', 'c']],
    ['all listed as failed', new Set(['a', 'b', 'c']), []],
    ['the whole batch failed', 'all', []],
  ])('%s', (_, failed, expected) => {
    expect(recordsToDelete(records, failed).map((r) => r.messageId)).toEqual(expected);
  });
});

describe('acknowledge()', () => {
  let queues: TestQueues;

  beforeEach(async () => {
    queues = await createTestQueues({ visibilityTimeoutSeconds: 30 });
  });

  it('deletes the successes of a batch over 10 records and leaves the failures in flight', async () => {
    // Arrange: 12 received messages, two of them reported as failed.
    for (const ids of [Array.from({ length: 10 }, (_, i) => i), [10, 11]]) {
      await queues.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.ingest.url,
          Entries: ids.map((i) => ({ Id: String(i), MessageBody: `m${i}` })),
        }),
      );
    }
    const records: SQSRecord[] = [];
    while (records.length < 12)
      records.push(...(await receiveRecords(queues.sqs, queues.ingest.url, { waitSeconds: 0 })));
    const failed = new Set(
      records.filter((r) => ['m3', 'm11'].includes(r.body)).map((r) => r.messageId),
    );

    // Act
    const result = await acknowledge(queues.sqs, queues.ingest.url, records, failed, silent);

    // Assert: the failures stay hidden until their visibility timeout, then come back.
    expect(result).toEqual({ deleted: 10, left: 2, errors: 0 });
    expect(await visibleAndHidden(queues)).toEqual([0, 2]);
  });

  it('deletes nothing when the whole batch failed', async () => {
    await queues.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.ingest.url,
        Entries: [{ Id: '0', MessageBody: 'x' }],
      }),
    );
    const records = await receiveRecords(queues.sqs, queues.ingest.url);

    const result = await acknowledge(queues.sqs, queues.ingest.url, records, 'all', silent);

    expect(result).toEqual({ deleted: 0, left: 1, errors: 0 });
    expect(await visibleAndHidden(queues)).toEqual([0, 1]);
  });
});

describe('deleteRecords()', () => {
  /** An SQS client that answers DeleteMessageBatch calls from a script, recording them. */
  function scriptedSqs(answers: (Partial<DeleteMessageBatchCommandOutput> | Error)[]) {
    const entries: number[] = [];
    const sqs = {
      send: async (command: { input: { Entries?: unknown[] } }) => {
        entries.push(command.input.Entries?.length ?? 0);
        const answer = answers.shift() ?? {};
        if (answer instanceof Error) throw answer;
        return answer;
      },
    } as unknown as SQSClient;
    return { sqs, entries };
  }

  it('counts a chunk with failed entries and a chunk whose call fails as errors, and goes on', async () => {
    const { sqs, entries } = scriptedSqs([
      {
        Successful: Array(9).fill({}),
        Failed: [{ Id: '4', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
      },
      new Error('socket hang up'),
      { Successful: Array(3).fill({}) },
    ]);
    const records = Array.from({ length: 23 }, (_, i) => record(`m${i}`));

    const result = await deleteRecords(sqs, 'https://sqs/q', records, silent);

    expect(entries).toEqual([10, 10, 3]);
    expect(result).toEqual({ deleted: 12, errors: 2 });
  });

  it('makes no call for an empty list', async () => {
    const { sqs, entries } = scriptedSqs([]);

    expect(await deleteRecords(sqs, 'https://sqs/q', [], silent)).toEqual({
      deleted: 0,
      errors: 0,
    });
    expect(entries).toEqual([]);
  });
});
