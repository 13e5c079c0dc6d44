import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDb, type Db } from '@waba/db';
import { sqsMediaQueue, sqsMessageVisibility } from '@waba/db-processor';
import { databaseUrlFromEnv, graphClientFromEnv } from '@waba/whatsapp/secrets';
import type { Logger } from '@waba/whatsapp';
import { mediaArchiverEnvFromEnv } from './env.schema';
import { logger as defaultLogger } from './logger';
import type { MediaJobsDeps } from './process-media-jobs';
import type { MediaSweepDeps } from './sweep';

/** Clients a long-running process shares between its consumers. */
export interface MediaSharedClients {
  db?: Db;
  sqs?: SQSClient;
  s3?: S3Client;
  logger?: Logger;
}

async function dbFromEnv(env: NodeJS.ProcessEnv, shared: MediaSharedClients, max: number) {
  return (
    shared.db ??
    createDb({
      connectionString: await databaseUrlFromEnv(env),
      max,
      applicationName: 'waba-media-archiver',
    })
  );
}

/**
 * The archiver's dependencies from the environment (Lambda, service mode and
 * local stack): DATABASE_URL / DATABASE_SECRET_ARN, WHATSAPP_ACCESS_TOKEN(_SECRET_ARN),
 * WHATSAPP_GRAPH_URL, MEDIA_BUCKET, MEDIA_QUEUE_URL, validated by
 * mediaArchiverEnvSchema before anything is read or built.
 */
export async function mediaArchiverDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: MediaSharedClients = {},
): Promise<MediaJobsDeps> {
  const settings = mediaArchiverEnvFromEnv(env);
  return {
    db: await dbFromEnv(env, shared, settings.DB_POOL_MAX),
    graph: graphClientFromEnv(env, settings.WHATSAPP_GRAPH_VERSION),
    s3: shared.s3 ?? new S3Client({}),
    bucket: settings.MEDIA_BUCKET,
    logger: shared.logger ?? defaultLogger,
    clock: () => new Date(),
    downloadTimeoutMs: settings.MEDIA_DOWNLOAD_TIMEOUT_MS,
    visibility: sqsMessageVisibility(shared.sqs ?? new SQSClient({}), settings.MEDIA_QUEUE_URL),
  };
}

/** The sweep's dependencies from the same environment. */
export async function mediaSweepDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: MediaSharedClients = {},
): Promise<MediaSweepDeps> {
  const settings = mediaArchiverEnvFromEnv(env);
  return {
    db: await dbFromEnv(env, shared, settings.DB_POOL_MAX),
    queue: sqsMediaQueue(shared.sqs ?? new SQSClient({}), settings.MEDIA_QUEUE_URL),
    logger: shared.logger ?? defaultLogger,
    olderThanSeconds: settings.MEDIA_SWEEP_AFTER_SECONDS,
    limit: settings.MEDIA_SWEEP_LIMIT,
  };
}
