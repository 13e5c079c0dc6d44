import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processWebhooks, type ProcessorDeps } from './process-webhooks';
import { readRecord, type PayloadReader, type RawWebhook } from './read-record';

export interface SqsProcessorDeps extends ProcessorDeps {
  payloads: PayloadReader;
}

/**
 * Ingest queue batch → partial batch response. A record whose body cannot be
 * fetched, or that fails on its own, is reported by messageId and retried by
 * SQS (then dead-lettered); a database outage throws, failing the batch.
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
  const result = webhooks.length ? await processWebhooks(webhooks, deps) : { failed: [] };
  failures.push(...result.failed);
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
