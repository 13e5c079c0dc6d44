import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type * as z from 'zod/mini';
import { createDb, type Db } from '@waba/db';
import { databaseUrlFromEnv } from '@waba/whatsapp/secrets';
import { EnvError, parseEnv, type Logger } from '@waba/whatsapp';
import { sqsAnswerQueue } from './answer-queue';
import { sqsMessageVisibility, type BackoffPolicy, type TransientBackoff } from './backoff';
import { ingestBackoffEnvSchema, processorEnvFromEnv } from './env.schema';
import { logger as defaultLogger } from './logger';
import { sqsMediaQueue } from './media-queue';
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
 * (+ DATABASE_HOST for RDS Proxy), ANSWER_QUEUE_URL, ANSWER_DELAY_SECONDS, MEDIA_QUEUE_URL
 * (optional: unset, media is not archived),
 * DB_POOL_MAX (default 1: concurrency x pool size must fit the database),
 * validated by processorEnvSchema before anything is built, and the back-off
 * settings below (INGEST_BACKOFF_BASE_SECONDS, INGEST_BACKOFF_MAX_SECONDS, INGEST_QUEUE_URL).
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
  const sqs = shared.sqs ?? new SQSClient({});
  // The back-off variables are part of the contract just parsed: no second parse.
  const backoff = transientBackoffOf(settings, sqs);
  return {
    db,
    payloads: s3PayloadReader(shared.s3 ?? new S3Client({})),
    answers: sqsAnswerQueue(sqs, settings.ANSWER_QUEUE_URL),
    ...(settings.MEDIA_QUEUE_URL ? { media: sqsMediaQueue(sqs, settings.MEDIA_QUEUE_URL) } : {}),
    logger: shared.logger ?? defaultLogger,
    answerDelaySeconds: settings.ANSWER_DELAY_SECONDS,
    ...(backoff && { backoff }),
  };
}

// ---------------------------------------------------------------------------
// Back-off on transient batch failures (a database outage must not flood the
// DLQ): the settings, their defaults and their limits. docs/reliability.md,
// "A database outage does not flood the DLQ", has the arithmetic.
// ---------------------------------------------------------------------------

/** The back-off settings: `policy` is undefined when back-off is turned off (base 0). */
export interface IngestBackoffSettings {
  policy: BackoffPolicy | undefined;
  queueUrl: string | undefined;
}

/** The back-off variables, as the processor's contract parses them. */
type IngestBackoffEnv = z.infer<typeof ingestBackoffEnvSchema>;

/** The back-off settings of parsed variables; a maximum below the base throws, naming it. */
function backoffSettingsOf(e: IngestBackoffEnv): IngestBackoffSettings {
  if (e.INGEST_BACKOFF_MAX_SECONDS < e.INGEST_BACKOFF_BASE_SECONDS)
    throw new EnvError(
      'invalid environment: INGEST_BACKOFF_MAX_SECONDS must not be below INGEST_BACKOFF_BASE_SECONDS',
      ['INGEST_BACKOFF_MAX_SECONDS'],
    );
  return {
    policy:
      e.INGEST_BACKOFF_BASE_SECONDS > 0
        ? { baseSeconds: e.INGEST_BACKOFF_BASE_SECONDS, maxSeconds: e.INGEST_BACKOFF_MAX_SECONDS }
        : undefined,
    queueUrl: e.INGEST_QUEUE_URL,
  };
}

/** Validates the back-off settings alone (the local stack's config); a bad value throws with the variable's name. */
export function ingestBackoffFromEnv(env: NodeJS.ProcessEnv = process.env): IngestBackoffSettings {
  return backoffSettingsOf(parseEnv(ingestBackoffEnvSchema, env));
}

function transientBackoffOf(e: IngestBackoffEnv, sqs: SQSClient): TransientBackoff | undefined {
  const { policy, queueUrl } = backoffSettingsOf(e);
  return policy && { policy, visibility: sqsMessageVisibility(sqs, queueUrl) };
}
