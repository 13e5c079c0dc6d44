import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDb } from '@waba/db';
import { createGraphClient } from '@waba/whatsapp';
import { agentFactory } from './agent/agent-factory';
import { logger } from './logger';
import { processAnswerJobs, type AnswerJobsDeps } from './process-answer-jobs';
import { sqsRetryDelay } from './sqs-retry-delay';

let deps: AnswerJobsDeps | undefined;

function init(): AnswerJobsDeps {
  const env = process.env;
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
  if (!env.WHATSAPP_ACCESS_TOKEN) throw new Error('WHATSAPP_ACCESS_TOKEN is not set');
  const sqs = new SQSClient({});
  return {
    db: createDb({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_MAX ?? 2) }),
    graph: createGraphClient({
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
      baseUrl: env.WHATSAPP_GRAPH_URL || undefined,
    }),
    agentFor: agentFactory({
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
    }),
    logger,
    clock: () => new Date(),
    agentTimeoutMs: Number(env.AGENT_TIMEOUT_MS ?? 15_000),
    delayRetry: sqsRetryDelay(sqs, env.ANSWER_QUEUE_URL ?? ''),
  };
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  deps ??= init();
  return processAnswerJobs(event, deps);
}
