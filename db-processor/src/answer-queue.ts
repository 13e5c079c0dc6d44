import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AnswerJob } from '@waba/whatsapp';

export interface ScheduledAnswerJob {
  job: AnswerJob;
  /** The debounce window: the worker runs after the customer stopped typing for this long. */
  delaySeconds: number;
}

export interface AnswerQueue {
  enqueue(jobs: readonly ScheduledAnswerJob[]): Promise<void>;
}

/** SendMessageBatch in chunks of 10; any entry SQS refuses fails the call (the batch is retried). */
export function sqsAnswerQueue(sqs: SQSClient, queueUrl: string): AnswerQueue {
  return {
    async enqueue(jobs) {
      for (let i = 0; i < jobs.length; i += 10) {
        const chunk = jobs.slice(i, i + 10);
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((j, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify(j.job),
              DelaySeconds: Math.max(0, Math.min(900, Math.round(j.delaySeconds))),
            })),
          }),
        );
        if (out.Failed?.length) {
          throw new Error(
            `answer queue refused ${out.Failed.length} job(s): ${out.Failed[0]?.Message ?? ''}`,
          );
        }
      }
    },
  };
}
