import * as z from 'zod/mini';
import { envInt, envNumber, envOptional, envRequired, envReader } from '@waba/whatsapp';

const batchSize = (fallback: number) => envInt(fallback, { min: 1, max: 10_000 });
const windowSeconds = (fallback: number) => envNumber(fallback, { max: 300 });
const concurrency = (fallback: number) => envInt(fallback, { min: 1, max: 1_000 });
const timeoutSeconds = (fallback: number) => envInt(fallback, { min: 1, max: 900 });

/**
 * The long-running service's own settings (each consumer also reads its
 * Lambda's schema). Per-consumer defaults mirror the Lambda mappings.
 */
export const serviceEnvSchema = z.object({
  INGEST_QUEUE_URL: envRequired(),
  ANSWER_QUEUE_URL: envRequired(),
  CAMPAIGN_QUEUE_URL: envOptional(),
  SERVICE_CONSUMERS: envOptional(),
  INGEST_BATCH_SIZE: batchSize(100),
  INGEST_BATCHING_WINDOW_SECONDS: windowSeconds(1),
  INGEST_CONCURRENCY: concurrency(2),
  INGEST_TIMEOUT_SECONDS: timeoutSeconds(30),
  ANSWER_BATCH_SIZE: batchSize(5),
  ANSWER_BATCHING_WINDOW_SECONDS: windowSeconds(0),
  ANSWER_CONCURRENCY: concurrency(2),
  ANSWER_TIMEOUT_SECONDS: timeoutSeconds(60),
  CAMPAIGN_BATCH_SIZE: batchSize(1),
  CAMPAIGN_BATCHING_WINDOW_SECONDS: windowSeconds(0),
  CAMPAIGN_CONCURRENCY: concurrency(1),
  CAMPAIGN_TIMEOUT_SECONDS: timeoutSeconds(60),
  /** One Postgres pool for every consumer of the process. */
  DB_POOL_MAX: envInt(10, { min: 1, max: 1_000 }),
  /** Long-poll wait: up to 20 s. */
  SQS_WAIT_TIME_SECONDS: envInt(10, { max: 20 }),
  STATS_INTERVAL_SECONDS: envInt(60, { min: 1 }),
  /** Under ECS's stopTimeout (120 s at most). */
  SHUTDOWN_TIMEOUT_SECONDS: envInt(110, { min: 1 }),
});

export type ServiceEnv = z.infer<typeof serviceEnvSchema>;

/** The service's settings, validated: throws an EnvError naming each bad variable. */
export const serviceEnvFromEnv = envReader(serviceEnvSchema);
