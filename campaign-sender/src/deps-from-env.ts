import { SQSClient } from '@aws-sdk/client-sqs';
import { dbFromEnv, type Db } from '@waba/db';
import { graphClientFromEnv } from '@waba/whatsapp/secrets';
import { createLogger, type Logger } from '@waba/whatsapp';
import { campaignEnvFromEnv } from './env.schema';
import { sqsCampaignQueue, type CampaignJobsDeps } from './process-campaign-jobs';

/**
 * The sender's dependencies from the environment (Lambda and long-running
 * service): DATABASE_URL / DATABASE_SECRET_ARN, WHATSAPP_ACCESS_TOKEN(_SECRET_ARN),
 * WHATSAPP_GRAPH_URL, CAMPAIGN_QUEUE_URL, CAMPAIGN_RATE_PER_SECOND (default 80),
 * CAMPAIGN_SLICE_SECONDS (default 45: under a 60 s function timeout), validated
 * by campaignEnvSchema before anything is read or built.
 */
export async function campaignDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: { db?: Db; sqs?: SQSClient; logger?: Logger } = {},
): Promise<CampaignJobsDeps> {
  const settings = campaignEnvFromEnv(env);
  const graph = graphClientFromEnv(env, settings.WHATSAPP_GRAPH_VERSION);
  return {
    db: await dbFromEnv(
      env,
      { max: settings.DB_POOL_MAX, applicationName: 'waba-campaign-sender' },
      shared.db,
    ),
    graph,
    logger: shared.logger ?? createLogger('campaign-sender'),
    defaultRatePerSecond: settings.CAMPAIGN_RATE_PER_SECOND,
    sliceMs: settings.CAMPAIGN_SLICE_SECONDS * 1000,
    enqueue: sqsCampaignQueue(shared.sqs ?? new SQSClient({}), settings.CAMPAIGN_QUEUE_URL),
  };
}
