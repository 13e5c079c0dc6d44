import { backoffDelay } from '@waba/whatsapp';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { answerConversation, type AnswerDeps } from './answer-conversation';
import { answerJobSchema } from './answer-job.schema';
import { ANSWER_NOT_SENT_EVENT, RetryLaterError, TokenUnusableError } from './errors';

export interface AnswerJobsDeps extends AnswerDeps {
  /** Delays a failed record's next attempt (SQS ChangeMessageVisibility). */
  delayRetry?: (record: SQSRecord, seconds: number) => Promise<void>;
}

/** Growing delay for a job the Graph API asked to retry: 10 s, 20 s, 40 s … up to 15 min. */
export function retryDelaySeconds(receiveCount: number): number {
  return backoffDelay(receiveCount, { base: 10, max: 900 });
}

/** SQS keeps a message invisible for at most 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Answer queue batch → partial batch response. Jobs for different
 * conversations run in parallel; a job that must be retried is reported by
 * messageId, with a growing visibility delay. A job whose conversation has an
 * answer of unknown outcome is kept until that answer falls due; a job that
 * meets an unusable Graph token is kept too, and logged as an error.
 */
export async function processAnswerJobs(
  event: SQSEvent,
  deps: AnswerJobsDeps,
): Promise<SQSBatchResponse> {
  const results = await Promise.all(
    event.Records.map(async (record) => {
      const log = deps.logger.child({ messageId: record.messageId });
      try {
        const job = answerJobSchema.parse(JSON.parse(record.body));
        const outcome = await answerConversation(job, { ...deps, logger: log });
        log.debug({ outcome: outcome.kind }, 'answer job done');
        if (outcome.recheckAt === undefined) return null;
        const seconds = Math.min(
          MAX_VISIBILITY_SECONDS,
          Math.max(1, Math.ceil((outcome.recheckAt.getTime() - deps.clock().getTime()) / 1000)),
        );
        await deps.delayRetry?.(record, seconds).catch(() => undefined);
        log.info({ recheckInSeconds: seconds }, 'answer job kept: an answer outcome is unknown');
        return record.messageId;
      } catch (error) {
        if (error instanceof TokenUnusableError) {
          const seconds = retryDelaySeconds(
            Number(record.attributes?.ApproximateReceiveCount ?? 1),
          );
          await deps.delayRetry?.(record, seconds).catch(() => undefined);
          log.error(
            {
              err: error,
              event: ANSWER_NOT_SENT_EVENT,
              reason: 'graph-token',
              retryInSeconds: seconds,
            },
            'answer not sent: the Graph API token is unusable; the job stays in the queue',
          );
        } else if (error instanceof RetryLaterError) {
          const seconds = retryDelaySeconds(
            Number(record.attributes?.ApproximateReceiveCount ?? 1),
          );
          await deps.delayRetry?.(record, seconds).catch(() => undefined);
          log.warn({ err: error, retryInSeconds: seconds }, 'answer job will be retried');
        } else {
          log.error({ err: error }, 'answer job failed');
        }
        return record.messageId;
      }
    }),
  );
  return {
    batchItemFailures: results
      .filter((id): id is string => id !== null)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}
