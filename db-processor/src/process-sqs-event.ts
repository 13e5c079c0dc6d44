import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { backOffBatch, type TransientBackoff } from './backoff';
import { TransientBatchError } from './errors';
import { processWebhooks, type ProcessorDeps } from './process-webhooks';
import { readRecord, type PayloadReader, type RawWebhook } from './read-record';

export interface SqsProcessorDeps extends ProcessorDeps {
  payloads: PayloadReader;
  /** Unset: a transient batch failure throws and the batch returns after the visibility timeout. */
  backoff?: TransientBackoff;
}

/**
 * Ingest queue batch → partial batch response. A record whose body cannot be
 * fetched from S3, or that fails on its own, is reported by messageId and
 * retried by SQS (then dead-lettered); one that cannot be read, parsed or
 * normalized is kept as `rejected`. A database outage fails the whole batch:
 * with `backoff`, every message is hidden for a growing delay and reported
 * failed; without, the error is thrown.
 */
export async function processSqsEvent(
  event: SQSEvent,
  deps: SqsProcessorDeps,
): Promise<SQSBatchResponse> {
  const read = await Promise.allSettled(event.Records.map((r) => readRecord(r, deps.payloads)));
  const failures: string[] = [];
  const webhooks: RawWebhook[] = [];
  read.forEach((r, i) => {
    const messageId = event.Records[i]!.messageId;
    if (r.status === 'fulfilled') webhooks.push(r.value);
    else {
      failures.push(messageId);
      deps.logger.error({ err: r.reason, messageId }, 'ingest record unreadable');
    }
  });
  let result: { failed: string[] };
  try {
    result = webhooks.length ? await processWebhooks(webhooks, deps) : { failed: [] };
  } catch (error) {
    if (!(error instanceof TransientBatchError) || !deps.backoff) throw error;
    return backOffBatch(event.Records, deps.backoff, deps.logger, error.cause);
  }
  failures.push(...result.failed);
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
