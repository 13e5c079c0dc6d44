import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '@waba/whatsapp';
import { MAX_PER_RECEIVE } from './gather';

export interface AcknowledgeResult {
  /** Records SQS confirmed deleted. */
  deleted: number;
  /** Records left on the queue because the handler reported or caused their failure. */
  left: number;
  /** Delete calls that failed or had failed entries (those messages come back). */
  errors: number;
}

/**
 * Settles a batch by its partial batch response: deletes the records that did
 * not fail and leaves the failed ones as they are, so they reappear when
 * their visibility ends: after the queue's timeout, or after the delay the
 * handler itself set with ChangeMessageVisibility (the processor's back-off).
 * The queue's redrive policy moves them to the DLQ after `maxReceiveCount`.
 */
export async function acknowledge(
  sqs: SQSClient,
  queueUrl: string,
  records: SQSRecord[],
  failed: Set<string> | 'all',
  logger: Logger,
): Promise<AcknowledgeResult> {
  const toDelete = recordsToDelete(records, failed);
  const { deleted, errors } = await deleteRecords(sqs, queueUrl, toDelete, logger);
  return { deleted, left: records.length - toDelete.length, errors };
}

/** The records a partial batch response lets go: none when the whole batch failed. */
export function recordsToDelete(records: SQSRecord[], failed: Set<string> | 'all'): SQSRecord[] {
  return failed === 'all' ? [] : records.filter((r) => !failed.has(r.messageId));
}

/** DeleteMessageBatch in chunks of 10; a failed delete is logged, counted and not retried. */
export async function deleteRecords(
  sqs: SQSClient,
  queueUrl: string,
  records: SQSRecord[],
  logger: Logger,
): Promise<{ deleted: number; errors: number }> {
  let deleted = 0;
  let errors = 0;
  for (let i = 0; i < records.length; i += MAX_PER_RECEIVE) {
    const chunk = records.slice(i, i + MAX_PER_RECEIVE);
    try {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, index) => ({ Id: String(index), ReceiptHandle: r.receiptHandle })),
        }),
      );
      deleted += result.Successful?.length ?? 0;
      if (result.Failed?.length) {
        errors += 1;
        logger.error(
          { failed: result.Failed },
          'some deletes failed: those messages will be redelivered',
        );
      }
    } catch (error) {
      errors += 1;
      logger.error(
        { err: error, count: chunk.length },
        'delete failed: those messages will be redelivered',
      );
    }
  }
  return { deleted, errors };
}
