import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AnswerJob } from '@waba/whatsapp';
import { sendInBatches } from './sqs-batch';

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
    enqueue: (jobs) =>
      sendInBatches(
        sqs,
        queueUrl,
        jobs.map((j) => ({ body: JSON.stringify(j.job), delaySeconds: j.delaySeconds })),
        'answer queue',
      ),
  };
}
