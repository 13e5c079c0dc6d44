import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** Where the records of a queue say they come from, as Lambda fills it in. */
export interface EventSource {
  eventSourceARN: string;
  awsRegion: string;
}

/** An SQS message in the shape Lambda delivers it. */
export function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ...message.Attributes } as unknown as SQSRecordAttributes,
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
  if (message.MD5OfMessageAttributes)
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toLambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    converted[name] = {
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
      }),
      // Lambda always sends these two (reserved by SQS) as empty lists.
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
  }
  return converted;
}

/** The queue's ARN (given, or derived from its URL) and the client's region. */
export async function resolveEventSource(
  sqs: SQSClient,
  queueUrl: string,
  queueArn: string | undefined,
): Promise<EventSource> {
  const awsRegion = await sqs.config.region();
  if (queueArn) return { eventSourceARN: queueArn, awsRegion };
  // Queue URLs end in /<account>/<name> on SQS and on the emulators alike. Not parsed
  // with URL: emulators hand out hosts like sqs.us-east-1.127.0.0.1 that WHATWG rejects.
  const path = queueUrl.replace(/^[a-z]+:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  const [account = '000000000000', name = 'queue'] = path.split('/').filter(Boolean).slice(-2);
  return { eventSourceARN: `arn:aws:sqs:${awsRegion}:${account}:${name}`, awsRegion };
}
