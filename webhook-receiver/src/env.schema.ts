import * as z from 'zod/mini';
import { envInt, envNumber, envOptional, envRequired, envReader } from '@waba/whatsapp';

/**
 * The receiver Lambda's environment (besides what Lambda itself sets: region,
 * credentials, AWS_ENDPOINT_URL_*). Apps come from WHATSAPP_APPS_SECRET_ARN,
 * or from WHATSAPP_APP_SECRET(_PREVIOUS) + WHATSAPP_VERIFY_TOKEN and
 * WHATSAPP_APPS (apps.ts says which combinations are complete).
 */
export const receiverEnvSchema = z.object({
  INGEST_QUEUE_URL: envRequired(),
  PAYLOAD_BUCKET: envRequired(),
  /** Body + attributes above this go to S3; the floor leaves room for the pointer and attributes. */
  SQS_MAX_MESSAGE_BYTES: envInt(262_144, { min: 8_192, max: 1_048_576 }),
  /**
   * Share of accepted webhooks that log their success line (1: all, 0.01: one
   * in a hundred). Rejections and failures are always logged; the success
   * line is most of the receiver's CloudWatch Logs bill (docs/deploy.md).
   */
  SUCCESS_LOG_SAMPLE_RATE: envNumber(1, { min: 0, max: 1 }),
  WHATSAPP_APPS_SECRET_ARN: envOptional(),
  WHATSAPP_APP_SECRET: envOptional(),
  WHATSAPP_APP_SECRET_PREVIOUS: envOptional(),
  WHATSAPP_VERIFY_TOKEN: envOptional(),
  WHATSAPP_APPS: envOptional(),
});

export type ReceiverEnv = z.infer<typeof receiverEnvSchema>;

/** The receiver's settings, validated: throws an EnvError naming each bad variable. */
export const receiverEnvFromEnv = envReader(receiverEnvSchema);
