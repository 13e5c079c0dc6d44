import * as z from 'zod/mini';
import { databaseEnvFields, secretEnvFields } from '@waba/db';
import {
  envGraphVersion,
  envInt,
  envNumber,
  envOptional,
  envRequired,
  envReader,
} from '@waba/whatsapp';

/**
 * The campaign sender's environment: DATABASE_URL / DATABASE_SECRET_ARN and
 * WHATSAPP_ACCESS_TOKEN(_SECRET_ARN) by value or by ARN (`secretEnv` in @waba/whatsapp/secrets).
 */
export const campaignEnvSchema = z.object({
  ...databaseEnvFields,
  ...secretEnvFields('WHATSAPP_ACCESS_TOKEN'),
  WHATSAPP_GRAPH_URL: envOptional(),
  /** Graph API version of every call (v25.0 unless set); raise it before Meta retires it. */
  WHATSAPP_GRAPH_VERSION: envGraphVersion(),
  CAMPAIGN_QUEUE_URL: envRequired(),
  /**
   * Sends per second per business number when neither the campaign nor the
   * number's sending_limits set one (Meta: 80 by default, up to 1,000).
   */
  CAMPAIGN_RATE_PER_SECOND: envNumber(80, { min: 0.001, max: 1000 }),
  /** A slice's length: under the function's timeout. */
  CAMPAIGN_SLICE_SECONDS: envInt(45, { min: 1, max: 900 }),
  DB_POOL_MAX: envInt(2, { min: 1, max: 100 }),
});

export type CampaignEnv = z.infer<typeof campaignEnvSchema>;

/** The campaign sender's settings, validated: throws an EnvError naming each bad variable. */
export const campaignEnvFromEnv = envReader(campaignEnvSchema);
