import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { campaignDepsFromEnv } from './deps-from-env';
import { processCampaignJobs } from './process-campaign-jobs';

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => campaignDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await processCampaignJobs(event, await deps());
  return { batchItemFailures };
}
