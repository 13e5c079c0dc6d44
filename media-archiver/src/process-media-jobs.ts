import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { backoffSeconds, type MessageVisibility } from '@waba/db-processor';
import { archiveMedia, type ArchiveMediaDeps, type ArchiveOutcome } from './archive-media';
import { TransientMediaError } from './errors';
import { parseMediaJob } from './media-job.schema';

export interface MediaJobsDeps extends ArchiveMediaDeps {
  /** Hides a retried job for a growing delay (SQS ChangeMessageVisibility); unset: the queue's timeout. */
  visibility?: MessageVisibility;
}

/** A retried job waits 30 s, 60 s, 120 s … up to 15 min before its next attempt. */
const RETRY_BACKOFF = { baseSeconds: 30, maxSeconds: 900 };

/**
 * Media queue batch → partial batch response. Jobs run in parallel; a job that
 * failed for a transient reason (or could not be read) is reported by
 * messageId, hidden for a growing delay, and after the queue's
 * maxReceiveCount kept in its DLQ. Stored, failed and expired jobs are done.
 */
export async function processMediaJobs(
  event: SQSEvent,
  deps: MediaJobsDeps,
): Promise<SQSBatchResponse & { outcomes: ArchiveOutcome[] }> {
  const outcomes: ArchiveOutcome[] = [];
  const retries: SQSEvent['Records'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      const log = deps.logger.child({ messageId: record.messageId });
      try {
        outcomes.push(await archiveMedia(parseMediaJob(record.body), { ...deps, logger: log }));
      } catch (error) {
        if (!(error instanceof TransientMediaError)) log.error({ err: error }, 'media job failed');
        retries.push(record);
      }
    }),
  );
  if (retries.length > 0 && deps.visibility) {
    await deps.visibility
      .delay(
        retries.map((record) => ({
          record,
          seconds: backoffSeconds(
            Number(record.attributes?.ApproximateReceiveCount ?? 1),
            RETRY_BACKOFF,
          ),
        })),
      )
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'retry delay not set'));
  }
  return {
    batchItemFailures: retries.map((r) => ({ itemIdentifier: r.messageId })),
    outcomes,
  };
}
