import { oldestPendingMediaAgeSeconds, takeStalePendingMedia, type Db } from '@waba/db';
import type { MediaQueue } from '@waba/db-processor';
import type { Logger } from '@waba/whatsapp';

export interface MediaSweepDeps {
  db: Db;
  queue: MediaQueue;
  logger: Logger;
  /** `pending` media untouched for this long is queued again. */
  olderThanSeconds: number;
  limit: number;
}

export interface MediaSweepResult {
  requeued: number;
  /** Age of the oldest `pending` media, after the sweep (0: none). */
  oldestPendingAgeSeconds: number;
}

/** The line every sweep logs; its `oldestPendingAgeSeconds` field feeds the oldest-pending alarm. */
export const MEDIA_SWEEP_LOG_MESSAGE = 'media sweep';

/**
 * Finds media whose job was lost (the processor committed but could not
 * queue, a job expired from the DLQ, an operator purged the queue) and
 * queues it again; duplicates are harmless, the archiver stores one object.
 */
export async function sweepPendingMedia(deps: MediaSweepDeps): Promise<MediaSweepResult> {
  const stale = await takeStalePendingMedia(deps.db, deps.olderThanSeconds, deps.limit);
  await deps.queue.enqueue(stale);
  const oldestPendingAgeSeconds = await oldestPendingMediaAgeSeconds(deps.db);
  const result = { requeued: stale.length, oldestPendingAgeSeconds };
  deps.logger.info(result, MEDIA_SWEEP_LOG_MESSAGE);
  return result;
}
