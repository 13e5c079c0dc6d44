import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';

export interface AwsEndpoint {
  endpoint: string;
  region: string;
}

export function sqsClient(aws: AwsEndpoint): SQSClient {
  return new SQSClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function s3Client(aws: AwsEndpoint): S3Client {
  return new S3Client({
    endpoint: aws.endpoint,
    region: aws.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface QueuePair {
  url: string;
  dlqUrl: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/** Creates a queue and its dead-letter queue with the redrive policy production uses. */
export async function createQueueWithDlq(
  sqs: SQSClient,
  name: string,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<QueuePair> {
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}-dlq`,
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        MessageRetentionPeriod: '1209600',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl!, visibilityTimeoutSeconds, maxReceiveCount };
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

/**
 * Every message waiting in a queue, with its message attributes (receives
 * until empty); each stays hidden for `visibilityTimeoutSeconds` (default:
 * the queue's own).
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
        ...(options.visibilityTimeoutSeconds === undefined
          ? {}
          : { VisibilityTimeout: options.visibilityTimeoutSeconds }),
      }),
    );
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}
