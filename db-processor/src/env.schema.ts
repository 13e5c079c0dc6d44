import * as z from 'zod/mini';
import { databaseEnvFields } from '@waba/db';
import { envInt, envOptional, envRequired, envReader } from '@waba/whatsapp';
import { MAX_BACKOFF_SECONDS } from './backoff-limits';

/**
 * Back-off on transient batch failures (a database outage must not flood the
 * DLQ); docs/reliability.md, "A database outage does not flood the DLQ", has
 * the arithmetic. Part of the processor's contract and of the service's.
 */
export const ingestBackoffEnvSchema = z.object({
  /** First delay after a transient failure, doubled on every receive; 0 turns back-off off. */
  INGEST_BACKOFF_BASE_SECONDS: envInt(60, { max: MAX_BACKOFF_SECONDS }),
  /** Longest delay (not below the base): bounds how long a message waits once the database is back. */
  INGEST_BACKOFF_MAX_SECONDS: envInt(3600, { max: MAX_BACKOFF_SECONDS }),
  /**
   * The ingest queue; unset, each record's eventSourceARN names it (AWS's URL form). Not
   * checked as a URL: emulators hand out hosts like sqs.us-east-1.127.0.0.1 that WHATWG rejects.
   */
  INGEST_QUEUE_URL: z.optional(
    z.string().check(z.regex(/^https?:\/\/\S+$/, 'expected an http(s) queue URL')),
  ),
});

/**
 * The processor's environment. The database comes from DATABASE_URL, or
 * DATABASE_SECRET_ARN (+ DATABASE_HOST for RDS Proxy): `databaseUrlFromEnv`
 * in @waba/db decides which is complete.
 */
export const processorEnvSchema = z.object({
  ...databaseEnvFields,
  ...ingestBackoffEnvSchema.shape,
  ANSWER_QUEUE_URL: envRequired(),
  /** SQS DelaySeconds of the answer job: 0 to 900. */
  ANSWER_DELAY_SECONDS: envInt(2, { max: 900 }),
  /**
   * The media queue: set, every inbound image, video, audio, document and sticker is
   * recorded `pending` and queued for the media archiver; unset, media is not archived.
   */
  MEDIA_QUEUE_URL: envOptional(),
  /** Concurrency × pool size must fit the database. */
  DB_POOL_MAX: envInt(1, { min: 1, max: 100 }),
});

export type ProcessorEnv = z.infer<typeof processorEnvSchema>;

/** The processor's settings, validated: throws an EnvError naming each bad variable. */
export const processorEnvFromEnv = envReader(processorEnvSchema);
