import * as z from 'zod/mini';
import { databaseEnvFields, secretEnvFields } from '@waba/db';
import { envGraphVersion, envInt, envOptional, envReader, envRequired } from '@waba/whatsapp';

/**
 * The media archiver's environment (the archiver on the media queue and its
 * scheduled sweep share it). Secrets by value or by `<NAME>_SECRET_ARN`
 * (`secretEnv` in @waba/whatsapp/secrets): DATABASE_URL / DATABASE_SECRET_ARN,
 * WHATSAPP_ACCESS_TOKEN(_SECRET_ARN).
 */
export const mediaArchiverEnvSchema = z.object({
  ...databaseEnvFields,
  ...secretEnvFields('WHATSAPP_ACCESS_TOKEN'),
  /** Unset: graph.facebook.com; locally the Meta sandbox. */
  WHATSAPP_GRAPH_URL: envOptional(),
  /** Graph API version of every call (v25.0 unless set); raise it before Meta retires it. */
  WHATSAPP_GRAPH_VERSION: envGraphVersion(),
  /** The bucket the files go to, under `media/<organization>/<yyyy>/<mm>/<dd>/<media id>`. */
  MEDIA_BUCKET: envRequired(),
  /** The media queue: the sweep re-enqueues lost jobs to it; the archiver backs retries off on it. */
  MEDIA_QUEUE_URL: envRequired(),
  /** A download (URL lookup excluded) must finish within this; a 100 MB document needs time. */
  MEDIA_DOWNLOAD_TIMEOUT_MS: envInt(120_000, { min: 1000, max: 900_000 }),
  /** The sweep re-enqueues `pending` media untouched for this long. */
  MEDIA_SWEEP_AFTER_SECONDS: envInt(900, { min: 60, max: 86_400 }),
  /** At most this many jobs per sweep. */
  MEDIA_SWEEP_LIMIT: envInt(1000, { min: 1, max: 100_000 }),
  DB_POOL_MAX: envInt(2, { min: 1, max: 100 }),
});

export type MediaArchiverEnv = z.infer<typeof mediaArchiverEnvSchema>;

/** The archiver's settings, validated: throws an EnvError naming each bad variable. */
export const mediaArchiverEnvFromEnv = envReader(mediaArchiverEnvSchema);
