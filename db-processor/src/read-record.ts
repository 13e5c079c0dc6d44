import type { SQSRecord } from 'aws-lambda';
import { errorText, INGEST_ATTRIBUTES as A, type ClaimCheckPointer } from '@waba/whatsapp';
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
  /**
   * Set when the ingest message itself could not be read (a broken claim-check
   * pointer, ...): `raw` is then the SQS body as it came, and the record is kept
   * as `rejected` with this reason. No retry could read it either.
   */
  unreadable?: string;
}

/** The body an ingest message carries: inline, base64, or claim-checked in S3. */
async function bodyOf(record: SQSRecord, payloads: PayloadReader): Promise<string> {
  const attr = (name: string) => record.messageAttributes?.[name]?.stringValue;
  if (attr(A.claimCheck) === 's3') {
    const { s3 } = JSON.parse(record.body) as ClaimCheckPointer;
    if (typeof s3?.bucket !== 'string' || typeof s3.key !== 'string') {
      throw new TypeError('claim-check pointer without s3.bucket and s3.key');
    }
    try {
      return await payloads.get(s3);
    } catch (cause) {
      throw new PayloadFetchError(`claim-checked payload ${s3.key} not readable`, { cause });
    }
  }
  if (attr(A.bodyEncoding) === 'base64') return Buffer.from(record.body, 'base64').toString('utf8');
  return record.body;
}

/**
 * The raw webhook an ingest message carries. Throws only PayloadFetchError (S3
 * did not hand out the body: a retry may); any other failure to read the
 * message is the message's own and comes back as `unreadable`.
 */
export async function readRecord(record: SQSRecord, payloads: PayloadReader): Promise<RawWebhook> {
  const attr = (name: string) => record.messageAttributes?.[name]?.stringValue;
  const receivedAt = new Date(
    attr(A.receivedAt) ?? Number(record.attributes?.SentTimestamp ?? Date.now()),
  );
  const webhook: RawWebhook = {
    id: record.messageId,
    sqsMessageId: record.messageId,
    raw: record.body,
    appId: attr(A.appId) ?? null,
    receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date() : receivedAt,
  };
  try {
    return { ...webhook, raw: await bodyOf(record, payloads) };
  } catch (error) {
    if (error instanceof PayloadFetchError) throw error;
    return { ...webhook, unreadable: `ingest message unreadable: ${errorText(error)}` };
  }
}
