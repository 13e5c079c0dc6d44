import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { answerDepsFromEnv } from './deps-from-env';
import { processAnswerJobs, type AnswerJobsDeps } from './process-answer-jobs';

let deps: Promise<AnswerJobsDeps> | undefined;

// Built on the first batch (secrets may have to be read); a failed init is retried on the next.
function init(): Promise<AnswerJobsDeps> {
  deps ??= answerDepsFromEnv(process.env).catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processAnswerJobs(event, await init());
}
