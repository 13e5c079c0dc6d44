import * as z from 'zod/mini';
import { databaseEnvFields } from '@waba/db';
import { envInt, envRequired, envReader } from '@waba/whatsapp';

/**
 * The processor's environment. The database comes from DATABASE_URL, or
 * DATABASE_SECRET_ARN (+ DATABASE_HOST for RDS Proxy): `databaseUrlFromEnv`
 * in @waba/db decides which is complete.
 */
export const processorEnvSchema = z.object({
  ...databaseEnvFields,
  ANSWER_QUEUE_URL: envRequired(),
  /** SQS DelaySeconds of the answer job: 0 to 900. */
  ANSWER_DELAY_SECONDS: envInt(2, { max: 900 }),
  /** Concurrency × pool size must fit the database. */
  DB_POOL_MAX: envInt(1, { min: 1, max: 100 }),
});

export type ProcessorEnv = z.infer<typeof processorEnvSchema>;

/** The processor's settings, validated: throws an EnvError naming each bad variable. */
export const processorEnvFromEnv = envReader(processorEnvSchema);
