import * as z from 'zod/mini';
import { databaseEnvFields } from '@waba/db';
import { envInt, envOptional, envReader } from '@waba/whatsapp';

/**
 * The API function's environment. The database comes from DATABASE_URL, or
 * DATABASE_SECRET_ARN (+ DATABASE_HOST for RDS Proxy), as for the other
 * functions. Queue URLs are optional: a route needing an absent one answers 503.
 */
export const apiEnvSchema = z.object({
  ...databaseEnvFields,
  INGEST_QUEUE_URL: envOptional(),
  INGEST_DLQ_URL: envOptional(),
  ANSWER_QUEUE_URL: envOptional(),
  ANSWER_DLQ_URL: envOptional(),
  CAMPAIGN_QUEUE_URL: envOptional(),
  CAMPAIGN_DLQ_URL: envOptional(),
  MEDIA_QUEUE_URL: envOptional(),
  MEDIA_DLQ_URL: envOptional(),
  /** SQS DelaySeconds of replayed answer jobs: 0 to 900. */
  ANSWER_DELAY_SECONDS: envInt(2, { max: 900 }),
  /** Largest request body: Lambda's synchronous payload limit (6 MiB) by default. */
  API_MAX_BODY_BYTES: envInt(6 * 1024 * 1024, { min: 1024, max: 6 * 1024 * 1024 }),
  /** Where the Swagger UI files are when swagger-ui-dist is not installed (a bundle). */
  API_DOCS_ASSETS_DIR: envOptional(),
  /** Each request holds one connection for its transaction. */
  DB_POOL_MAX: envInt(2, { min: 1, max: 100 }),
});

export type ApiEnvSettings = z.infer<typeof apiEnvSchema>;

/** The API's settings, validated: throws an EnvError naming each bad variable. */
export const apiEnvFromEnv = envReader(apiEnvSchema);
