import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AnswerJobsDeps } from './process-answer-jobs';

/** Delays a failed answer job's next delivery by changing its visibility timeout. */
export function sqsRetryDelay(
  sqs: SQSClient,
  queueUrl: string,
): NonNullable<AnswerJobsDeps['delayRetry']> {
  return async (record, seconds) => {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}
