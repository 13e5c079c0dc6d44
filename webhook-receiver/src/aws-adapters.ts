import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { IngestQueue } from './enqueue';
import { messageAttributes } from './sqs-message';

export { s3PayloadStore } from './s3-payload-store';

/** The ingest queue through the AWS SDK (the local stack and tests; Lambda uses sqsHttpQueue). */
export function sqsIngestQueue(sqs: SQSClient, queueUrl: string): IngestQueue {
  return {
    async send(body, attributes) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: messageAttributes(attributes),
        }),
      );
    },
  };
}
