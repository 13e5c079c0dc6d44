import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { campaignDepsFromEnv } from './deps-from-env';
import { campaignEnvFromEnv } from './env.schema';
import { processCampaignJobs } from './process-campaign-jobs';

// Settings are checked at cold start: a bad value stops the start with the variable's name.
campaignEnvFromEnv(process.env);

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => campaignDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await processCampaignJobs(event, await deps());
  return { batchItemFailures };
}
