import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { processorDepsFromEnv } from './deps-from-env';
import { processSqsEvent } from './process-sqs-event';

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => processorDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processSqsEvent(event, await deps());
}
