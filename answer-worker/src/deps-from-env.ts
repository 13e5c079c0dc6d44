import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { dbFromEnv, type Db } from '@waba/db';
import { graphClientFromEnv, secretEnv } from '@waba/whatsapp/secrets';
import type { Logger } from '@waba/whatsapp';
import { agentFactory } from './agent/agent-factory';
import { answerEnvFromEnv } from './env.schema';
import { logger as defaultLogger } from './logger';
import { s3MediaReader } from './s3-media-reader';
import type { AnswerJobsDeps } from './process-answer-jobs';
import { sqsRetryDelay } from './sqs-retry-delay';

/** Clients a long-running process shares between its consumers. */
export interface AnswerSharedClients {
  db?: Db;
  sqs?: SQSClient;
  /** The media archive's client (the S3 emulator in the local stack). */
  s3?: S3Client;
  logger?: Logger;
}

/**
 * The answer worker's dependencies from the environment, as the Lambda and the
 * long-running service configure it. Secrets come from the variable itself or
 * from Secrets Manager through `<NAME>_SECRET_ARN`: DATABASE_URL /
 * DATABASE_SECRET_ARN, WHATSAPP_ACCESS_TOKEN(_SECRET_ARN),
 * OPENAI_API_KEY(_SECRET_ARN) (unset: the rules agent). MEDIA_BUCKET set:
 * images of organizations with image input on are read from it. Settings are validated
 * by answerEnvSchema before anything is read or built.
 */
export async function answerDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: AnswerSharedClients = {},
): Promise<AnswerJobsDeps> {
  const settings = answerEnvFromEnv(env);
  const [db, openAiKey] = await Promise.all([
    dbFromEnv(env, { max: settings.DB_POOL_MAX, applicationName: 'waba-answer-worker' }, shared.db),
    secretEnv('OPENAI_API_KEY', env),
  ]);
  const graph = graphClientFromEnv(env, settings.WHATSAPP_GRAPH_VERSION);
  const sqs = shared.sqs ?? new SQSClient({});
  return {
    db,
    graph,
    agentFor: agentFactory({
      apiKey: openAiKey,
      baseURL: env.OPENAI_BASE_URL || undefined,
      model: env.OPENAI_MODEL || undefined,
      visionModels: settings.OPENAI_VISION_MODELS?.split(',').map((m) => m.trim()),
    }),
    ...(settings.MEDIA_BUCKET && {
      media: s3MediaReader(shared.s3 ?? new S3Client({}), settings.MEDIA_BUCKET),
    }),
    logger: shared.logger ?? defaultLogger,
    clock: () => new Date(),
    agentTimeoutMs: settings.AGENT_TIMEOUT_MS,
    delayRetry: sqsRetryDelay(sqs, settings.ANSWER_QUEUE_URL),
    unknownGraceMs: settings.ANSWER_UNKNOWN_GRACE_SECONDS * 1000,
  };
}
