export { normalizeWaId, parseAudienceCsv, parseCsv } from './audience-csv';
export { checkComponents, fillComponents, placeholders } from './template';
export { sendCampaignSlice } from './send-slice';
export type { CampaignSenderDeps, SliceResult } from './send-slice';
export { processCampaignJobs, sqsCampaignQueue } from './process-campaign-jobs';
export type { CampaignJobsDeps } from './process-campaign-jobs';
export { campaignDepsFromEnv } from './deps-from-env';
export { campaignEnvSchema } from './env.schema';
