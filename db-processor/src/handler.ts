import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processorDepsFromEnv } from './deps-from-env';
import { processSqsEvent, type SqsProcessorDeps } from './process-sqs-event';

let deps: Promise<SqsProcessorDeps> | undefined;

// Built on the first batch (secrets may have to be read); a failed init is retried on the next.
function init(): Promise<SqsProcessorDeps> {
  deps ??= processorDepsFromEnv(process.env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processSqsEvent(event, await init());
}
