import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazy } from '@waba/whatsapp';
import { answerDepsFromEnv } from './deps-from-env';
import { answerEnvFromEnv } from './env.schema';
import { processAnswerJobs } from './process-answer-jobs';

// Settings are checked at cold start: a bad value stops the start with the variable's name.
answerEnvFromEnv(process.env);

// Built on the first batch (secrets may have to be read); a failed build is retried on the next.
const deps = lazy(() => answerDepsFromEnv(process.env));

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processAnswerJobs(event, await deps());
}
