import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { campaignDepsFromEnv } from './deps-from-env';
import { processCampaignJobs, type CampaignJobsDeps } from './process-campaign-jobs';

let deps: Promise<CampaignJobsDeps> | undefined;

// Built on the first batch (secrets may have to be read); a failed init is retried on the next.
function init(): Promise<CampaignJobsDeps> {
  deps ??= campaignDepsFromEnv(process.env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await processCampaignJobs(event, await init());
  return { batchItemFailures };
}
