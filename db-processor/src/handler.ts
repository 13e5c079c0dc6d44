import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { processorDepsFromEnv } from './deps-from-env';
import { processorEnvFromEnv } from './env.schema';
import { processSqsEvent } from './process-sqs-event';

// Settings are checked at cold start: a bad value stops the start with the variable's name.
processorEnvFromEnv(process.env);

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => processorDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processSqsEvent(event, await deps());
}
