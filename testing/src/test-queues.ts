import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  createBucket,
  createQueueWithDlq,
  s3Client,
  sqsClient,
  type AwsEndpoint,
  type QueuePair,
} from './queues';

export interface TestQueues {
  aws: AwsEndpoint;
  sqs: SQSClient;
  s3: S3Client;
  ingest: QueuePair;
  answer: QueuePair;
  bucket: string;
}

/** Fresh, uniquely named queues (with DLQs) and a bucket on the emulator started by jest. */
export async function createTestQueues(
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<TestQueues> {
  const endpoint = process.env.TEST_AWS_ENDPOINT;
  if (!endpoint) throw new Error('TEST_AWS_ENDPOINT is not set: run the tests through jest');
  const aws = { endpoint, region: 'us-east-1' };
  const sqs = sqsClient(aws);
  const s3 = s3Client(aws);
  const id = randomBytes(4).toString('hex');
  const ingest = await createQueueWithDlq(sqs, `ingest-${id}`, options);
  const answer = await createQueueWithDlq(sqs, `answer-${id}`, options);
  const bucket = `payloads-${id}`;
  await createBucket(s3, bucket);
  return { aws, sqs, s3, ingest, answer, bucket };
}
