import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDb } from '@waba/db';
import { sqsAnswerQueue } from './answer-queue';
import { logger } from './logger';
import { processSqsEvent, type SqsProcessorDeps } from './process-sqs-event';
import { s3PayloadReader } from './s3-payload-reader';

let deps: SqsProcessorDeps | undefined;

function init(): SqsProcessorDeps {
  const env = process.env;
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  return {
    // One connection per Lambda instance: concurrency x pool size must fit the database.
    db: createDb({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_MAX ?? 1) }),
    payloads: s3PayloadReader(new S3Client({})),
    answers: sqsAnswerQueue(new SQSClient({}), env.ANSWER_QUEUE_URL ?? ''),
    logger,
    answerDelaySeconds: Number(env.ANSWER_DELAY_SECONDS ?? 2),
  };
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= init();
  return processSqsEvent(event, deps);
}
