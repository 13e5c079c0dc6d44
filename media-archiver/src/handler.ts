import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { mediaArchiverDepsFromEnv } from './deps-from-env';
import { mediaArchiverEnvFromEnv } from './env.schema';
import { processMediaJobs } from './process-media-jobs';

// Settings are checked at cold start: a bad value stops the start with the variable's name.
mediaArchiverEnvFromEnv(process.env);

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => mediaArchiverDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await processMediaJobs(event, await deps());
  return { batchItemFailures };
}
