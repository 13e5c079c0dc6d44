import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { IngestQueue, PayloadStore } from './enqueue';

export function sqsIngestQueue(sqs: SQSClient, queueUrl: string): IngestQueue {
  return {
    async send(body, attributes) {
      const MessageAttributes: Record<string, { DataType: string; StringValue: string }> = {};
      for (const [k, v] of Object.entries(attributes))
        MessageAttributes[k] = { DataType: 'String', StringValue: v };
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes }),
      );
    },
  };
}

export function s3PayloadStore(s3: S3Client, bucket: string): PayloadStore {
  return {
    async put(key, body) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ServerSideEncryption: 'AES256',
        }),
      );
      return { bucket, key };
    },
  };
}
