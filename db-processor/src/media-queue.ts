import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MediaJob } from '@waba/whatsapp';
import { sendInBatches } from './sqs-batch';

/** Where the processor (and the archiver's sweep) put media jobs. */
export interface MediaQueue {
  enqueue(jobs: readonly MediaJob[]): Promise<void>;
}

/** One media queue message per job, sent in batches of 10. */
export function sqsMediaQueue(sqs: SQSClient, queueUrl: string): MediaQueue {
  return {
    enqueue: (jobs) =>
      sendInBatches(
        sqs,
        queueUrl,
        jobs.map((job) => ({ body: JSON.stringify(job) })),
        'media queue',
      ),
  };
}
