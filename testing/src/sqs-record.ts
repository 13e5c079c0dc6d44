import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { INGEST_ATTRIBUTES as A, metaEscape } from '@waba/whatsapp';

function record(
  body: string,
  fields: {
    receiveCount: number;
    sentTimestamp: string;
    senderId: string;
    receiptHandle: string;
    queue: string;
    messageAttributes: SQSRecord['messageAttributes'];
    messageId?: string;
    attributes?: Partial<SQSRecordAttributes>;
  },
): SQSRecord {
  return {
    messageId: fields.messageId ?? randomUUID(),
    receiptHandle: fields.receiptHandle,
    body,
    attributes: {
      ApproximateReceiveCount: String(fields.receiveCount),
      SentTimestamp: fields.sentTimestamp,
      SenderId: fields.senderId,
      ApproximateFirstReceiveTimestamp: fields.sentTimestamp,
      ...fields.attributes,
    },
    messageAttributes: fields.messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${fields.queue}`,
    awsRegion: 'us-east-1',
  };
}

/** An SQS record as Lambda's event source mapping delivers it, for consumer tests. */
export function jobRecord(
  body: string,
  options: { receiveCount?: number; queue?: string } = {},
): SQSRecord {
  return record(body, {
    receiveCount: options.receiveCount ?? 1,
    sentTimestamp: '0',
    senderId: 'x',
    receiptHandle: `rh-${randomUUID()}`,
    queue: options.queue ?? 'queue',
    messageAttributes: {},
  });
}

/** An ingest-queue record as Lambda delivers it, carrying `payload` in Meta's wire form. */
export function sqsRecord(
  payload: object | string,
  attributes: Record<string, string> = {},
): SQSRecord {
  const body = typeof payload === 'string' ? payload : metaEscape(JSON.stringify(payload));
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [k, v] of Object.entries({
    [A.receivedAt]: '2026-11-22T10:00:00.000Z',
    [A.appId]: 'default',
    ...attributes,
  })) {
    messageAttributes[k] = {
      stringValue: v,
      dataType: 'String',
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return record(body, {
    receiveCount: 1,
    sentTimestamp: String(Date.now()),
    senderId: 'local',
    receiptHandle: 'rh',
    queue: 'ingest',
    messageAttributes,
  });
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/**
 * Up to `max` messages received from a real queue (the emulator), as records
 * with their real message ids, receipt handles and system attributes
 * (ApproximateReceiveCount). Message attributes are left out: a test about
 * them goes through the poller, which converts them as Lambda does.
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
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const queue = queueUrl.split('/').pop() ?? 'queue';
  return (out.Messages ?? []).map((m) =>
    record(m.Body ?? '', {
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
      sentTimestamp: m.Attributes?.SentTimestamp ?? '0',
      senderId: m.Attributes?.SenderId ?? 'x',
      receiptHandle: m.ReceiptHandle ?? '',
      queue,
      messageAttributes: {},
      messageId: m.MessageId ?? '',
      attributes: m.Attributes as Partial<SQSRecordAttributes> | undefined,
    }),
  );
}
