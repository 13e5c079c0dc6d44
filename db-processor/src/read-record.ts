import type { SQSRecord } from 'aws-lambda';
import { INGEST_ATTRIBUTES as A, type ClaimCheckPointer } from '@waba/whatsapp';
import { PayloadFetchError } from './errors';

export interface PayloadReader {
  get(pointer: ClaimCheckPointer['s3']): Promise<string>;
}

export interface RawWebhook {
  /** SQS messageId, or the audit row id on replay. */
  id: string;
  sqsMessageId: string | null;
  raw: string;
  appId: string | null;
  receivedAt: Date;
}

/** The raw webhook an ingest message carries: inline, base64, or claim-checked in S3. */
export async function readRecord(record: SQSRecord, payloads: PayloadReader): Promise<RawWebhook> {
  const attr = (name: string) => record.messageAttributes?.[name]?.stringValue;
  let raw = record.body;
  if (attr(A.claimCheck) === 's3') {
    const pointer = JSON.parse(record.body) as ClaimCheckPointer;
    try {
      raw = await payloads.get(pointer.s3);
    } catch (cause) {
      throw new PayloadFetchError(`claim-checked payload ${pointer.s3.key} not readable`, {
        cause,
      });
    }
  } else if (attr(A.bodyEncoding) === 'base64') {
    raw = Buffer.from(record.body, 'base64').toString('utf8');
  }
  const receivedAt = new Date(
    attr(A.receivedAt) ?? Number(record.attributes?.SentTimestamp ?? Date.now()),
  );
  return {
    id: record.messageId,
    sqsMessageId: record.messageId,
    raw,
    appId: attr(A.appId) ?? null,
    receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date() : receivedAt,
  };
}
