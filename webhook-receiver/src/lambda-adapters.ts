import type { SecretSource } from './apps';
import { awsJson, md5Hex, type AwsTarget } from './aws-http';
import type { IngestQueue, PayloadStore } from './enqueue';
import { AwsCallError } from './errors';
import { loadS3, s3PayloadStore } from './s3-payload-store';
import { messageAttributes } from './sqs-message';

/** The ingest queue as the Lambda sends to it: SendMessage as a signed HTTPS call. */
export function sqsHttpQueue(aws: AwsTarget, queueUrl: string): IngestQueue {
  return {
    async send(body, attributes) {
      const out = await awsJson<{ MD5OfMessageBody?: string }>(aws, {
        service: 'sqs',
        target: 'AmazonSQS.SendMessage',
        input: {
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: messageAttributes(attributes),
        },
      });
      // The check the SDK makes: what SQS stored is what we sent.
      if (out.MD5OfMessageBody !== md5Hex(body)) {
        throw new AwsCallError('SQS answered with the MD5 of another body', null, null, false);
      }
    },
  };
}

/** The apps secret as the Lambda reads it: GetSecretValue as a signed HTTPS call. */
export function secretsManagerHttpSource(aws: AwsTarget): SecretSource {
  return {
    async read(secretId) {
      const out = await awsJson<{ SecretString?: string }>(aws, {
        service: 'secretsmanager',
        target: 'secretsmanager.GetSecretValue',
        input: { SecretId: secretId },
      });
      if (!out.SecretString) throw new Error(`secret ${secretId} has no string value`);
      return out.SecretString;
    },
  };
}

/** Claim checks through the SDK's S3 client, created on the first one. */
export function lazyS3PayloadStore(bucket: string): PayloadStore {
  let store: PayloadStore | undefined;
  return {
    async put(key, body) {
      store ??= s3PayloadStore(new (loadS3().S3Client)({}), bucket);
      return store.put(key, body);
    },
  };
}
