import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDb, databaseUrlFromEnv, type Db } from '@waba/db';
import type { Logger } from '@waba/whatsapp';
import { sqsAnswerQueue } from './answer-queue';
import { processorEnvFromEnv } from './env.schema';
import { logger as defaultLogger } from './logger';
import type { SqsProcessorDeps } from './process-sqs-event';
import { s3PayloadReader } from './s3-payload-reader';

/** Clients a long-running process shares between its consumers. */
export interface ProcessorSharedClients {
  db?: Db;
  sqs?: SQSClient;
  s3?: S3Client;
  logger?: Logger;
}

/**
 * The processor's dependencies from the environment, as the Lambda and the
 * long-running service configure it: DATABASE_URL or DATABASE_SECRET_ARN
 * (+ DATABASE_HOST for RDS Proxy), ANSWER_QUEUE_URL, ANSWER_DELAY_SECONDS,
 * DB_POOL_MAX (default 1: concurrency x pool size must fit the database),
 * validated by processorEnvSchema before anything is built.
 */
export async function processorDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: ProcessorSharedClients = {},
): Promise<SqsProcessorDeps> {
  const settings = processorEnvFromEnv(env);
  const db =
    shared.db ??
    createDb({
      connectionString: await databaseUrlFromEnv(env),
      max: settings.DB_POOL_MAX,
      applicationName: 'waba-db-processor',
    });
  return {
    db,
    payloads: s3PayloadReader(shared.s3 ?? new S3Client({})),
    answers: sqsAnswerQueue(shared.sqs ?? new SQSClient({}), settings.ANSWER_QUEUE_URL),
    logger: shared.logger ?? defaultLogger,
    answerDelaySeconds: settings.ANSWER_DELAY_SECONDS,
  };
}
