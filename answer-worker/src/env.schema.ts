import * as z from 'zod/mini';
import { databaseEnvFields, secretEnvFields } from '@waba/db';
import { envGraphVersion, envInt, envOptional, envRequired, envReader } from '@waba/whatsapp';

/**
 * The answer worker's environment. Secrets by value or by `<NAME>_SECRET_ARN`
 * (`secretEnv` in @waba/whatsapp/secrets): DATABASE_URL / DATABASE_SECRET_ARN,
 * WHATSAPP_ACCESS_TOKEN(_SECRET_ARN), OPENAI_API_KEY(_SECRET_ARN).
 */
/** Default of ANSWER_UNKNOWN_GRACE_SECONDS. */
export const DEFAULT_UNKNOWN_GRACE_SECONDS = 300;

export const answerEnvSchema = z.object({
  ...databaseEnvFields,
  ...secretEnvFields('WHATSAPP_ACCESS_TOKEN'),
  ...secretEnvFields('OPENAI_API_KEY'),
  WHATSAPP_GRAPH_URL: envOptional(),
  /** Graph API version of every call (v25.0 unless set); raise it before Meta retires it. */
  WHATSAPP_GRAPH_VERSION: envGraphVersion(),
  OPENAI_BASE_URL: envOptional(),
  OPENAI_MODEL: envOptional(),
  /**
   * Models that take image inputs, comma-separated, for a compatible server's
   * own models; unset: OpenAI's (VISION_MODELS in agent/vision-models.ts).
   */
  OPENAI_VISION_MODELS: envOptional(),
  /**
   * The media archiver's bucket: the images an organization lets its model see
   * (agent_configs.image_input) are read from it; unset: captions only.
   */
  MEDIA_BUCKET: envOptional(),
  ANSWER_QUEUE_URL: envRequired(),
  AGENT_TIMEOUT_MS: envInt(15_000, { min: 1 }),
  DB_POOL_MAX: envInt(2, { min: 1, max: 100 }),
  /** How long an answer whose send outcome is unknown waits for its status webhook before its one re-send. */
  ANSWER_UNKNOWN_GRACE_SECONDS: envInt(DEFAULT_UNKNOWN_GRACE_SECONDS, { max: 43_200 }),
});

export type AnswerEnv = z.infer<typeof answerEnvSchema>;

/** The answer worker's settings, validated: throws an EnvError naming each bad variable. */
export const answerEnvFromEnv = envReader(answerEnvSchema);
