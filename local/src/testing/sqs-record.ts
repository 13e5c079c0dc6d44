import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { toRecord } from '@waba/consumer-service';

/** An SQS record as Lambda's event source mapping delivers it, for consumer tests. */
export function jobRecord(
  body: string,
  options: { receiveCount?: number; queue?: string } = {},
): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${options.queue ?? 'queue'}`,
    awsRegion: 'us-east-1',
  };
}

/**
 * Up to `max` messages received from a real queue (the emulator), as Lambda's
 * event source mapping hands them over: real receipt handles, system
 * attributes (ApproximateReceiveCount) and message attributes.
 */
export async function receiveRecords(
  sqs: SQSClient,
  queueUrl: string,
  options: { max?: number; waitSeconds?: number } = {},
): Promise<SQSRecord[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const name = queueUrl.split('/').pop() ?? 'queue';
  return (out.Messages ?? []).map((m) =>
    toRecord(m, `arn:aws:sqs:us-east-1:000000000000:${name}`, 'us-east-1'),
  );
}
