import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import {
  failedRecords,
  HandlerTimeoutError,
  invokeHandler,
  toSqsEvent,
  type SqsHandler,
} from '../src/invoke';

const source = {
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:ingest',
  awsRegion: 'eu-west-1',
};
const messages: Message[] = ['a', 'b', 'c'].map((id) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: `body-${id}`,
  MD5OfBody: '0'.repeat(32),
  Attributes: { ApproximateReceiveCount: '1' },
}));
const event: SQSEvent = toSqsEvent(messages, source);

describe('toSqsEvent()', () => {
  it('shapes each received message as the record Lambda would deliver', () => {
    expect(event.Records).toHaveLength(3);
    expect(event.Records[1]).toEqual({
      messageId: 'b',
      receiptHandle: 'rh-b',
      body: 'body-b',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '0'.repeat(32),
      eventSource: 'aws:sqs',
      eventSourceARN: source.eventSourceARN,
      awsRegion: 'eu-west-1',
    });
  });
});

describe('failedRecords()', () => {
  it.each<[string, unknown, string[] | 'all']>([
    ['undefined', undefined, []],
    ['null', null, []],
    ['{}', {}, []],
    ['null batchItemFailures', { batchItemFailures: null }, []],
    ['an empty list', { batchItemFailures: [] }, []],
    [
      'two known ids',
      { batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'c' }] },
      ['a', 'c'],
    ],
    ['a string', 'ok', 'all'],
    ['batchItemFailures not a list', { batchItemFailures: { itemIdentifier: 'a' } }, 'all'],
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'nope' }] }, 'all'],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }, 'all'],
    ['a null id', { batchItemFailures: [{ itemIdentifier: null }] }, 'all'],
    ['a null entry', { batchItemFailures: [null] }, 'all'],
  ])('reads %s', (_, response, expected) => {
    const failed = failedRecords(event.Records, response);
    expect(failed === 'all' ? 'all' : [...failed].sort()).toEqual(expected);
  });
});

describe('invokeHandler()', () => {
  it('passes the event to the handler and keeps the ids it reports', async () => {
    const handler = jest.fn<ReturnType<SqsHandler>, Parameters<SqsHandler>>(async () => ({
      batchItemFailures: [{ itemIdentifier: 'b' }],
    }));

    const outcome = await invokeHandler(handler, event);

    expect(handler).toHaveBeenCalledWith(event);
    expect(outcome).toEqual({ failed: new Set(['b']) });
  });

  it('fails the whole batch, with the error, when the handler rejects', async () => {
    const error = new Error('db down');

    const outcome = await invokeHandler(() => Promise.reject(error), event);

    expect(outcome).toEqual({ failed: 'all', error });
  });

  it('fails the whole batch when the handler throws synchronously', async () => {
    const outcome = await invokeHandler(() => {
      throw new Error('bad wiring');
    }, event);

    expect(outcome.failed).toBe('all');
    expect(outcome.error).toEqual(new Error('bad wiring'));
  });

  it('marks a malformed response as invalid: the whole batch fails', async () => {
    const outcome = await invokeHandler(
      async () => ({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }),
      event,
    );

    expect(outcome).toEqual({ failed: 'all', invalidResponse: true });
  });

  it('fails a batch whose handler outlives the timeout with a HandlerTimeoutError', async () => {
    const outcome = await invokeHandler(() => new Promise(() => undefined), event, 10);

    expect(outcome.failed).toBe('all');
    expect(outcome.error).toBeInstanceOf(HandlerTimeoutError);
  });
});
