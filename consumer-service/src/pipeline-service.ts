import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { answerDepsFromEnv, processAnswerJobs } from '@waba/answer-worker';
import { campaignDepsFromEnv, processCampaignJobs } from '@waba/campaign-sender';
import { dbFromEnv, type Db } from '@waba/db';
import { processorDepsFromEnv, processSqsEvent } from '@waba/db-processor';
import { lazy, type Logger } from '@waba/whatsapp';
import {
  startEventSourceMapping,
  type EventSourceMapping,
  type EventSourceMappingStats,
} from './event-source-mapping';
import { serviceEnvFromEnv } from './service-env.schema';

export type ConsumerName = 'ingest' | 'answer' | 'campaign';

export interface ConsumerSettings {
  queueUrl: string;
  batchSize: number;
  windowSeconds: number;
  /** Parallel pollers in this process. */
  concurrency: number;
  /** A batch not done by then counts as failed, as a Lambda timeout would. */
  timeoutSeconds: number;
}

export interface ServiceSettings {
  consumers: Partial<Record<ConsumerName, ConsumerSettings>>;
  /** One Postgres pool for every consumer of the process. */
  dbPoolMax: number;
  /** Long-poll wait: up to 20 s is cheapest; stop() waits for a running poll to return. */
  waitTimeSeconds: number;
}

/**
 * Settings from the environment (serviceEnvSchema, validated: an EnvError
 * names each bad variable): INGEST_QUEUE_URL and ANSWER_QUEUE_URL
 * (required), CAMPAIGN_QUEUE_URL (unset: no campaign sending), per consumer
 * <NAME>_BATCH_SIZE / _BATCHING_WINDOW_SECONDS / _CONCURRENCY /
 * _TIMEOUT_SECONDS, SERVICE_CONSUMERS (default: every configured queue),
 * DB_POOL_MAX, SQS_WAIT_TIME_SECONDS.
 */
export function serviceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const e = serviceEnvFromEnv(env);
  const wanted = new Set(
    (e.SERVICE_CONSUMERS ?? 'ingest,answer,campaign').split(',').map((s) => s.trim()),
  );
  const all: Record<ConsumerName, ConsumerSettings | undefined> = {
    ingest: {
      queueUrl: e.INGEST_QUEUE_URL,
      batchSize: e.INGEST_BATCH_SIZE,
      windowSeconds: e.INGEST_BATCHING_WINDOW_SECONDS,
      concurrency: e.INGEST_CONCURRENCY,
      timeoutSeconds: e.INGEST_TIMEOUT_SECONDS,
    },
    answer: {
      queueUrl: e.ANSWER_QUEUE_URL,
      batchSize: e.ANSWER_BATCH_SIZE,
      windowSeconds: e.ANSWER_BATCHING_WINDOW_SECONDS,
      concurrency: e.ANSWER_CONCURRENCY,
      timeoutSeconds: e.ANSWER_TIMEOUT_SECONDS,
    },
    campaign: e.CAMPAIGN_QUEUE_URL
      ? {
          queueUrl: e.CAMPAIGN_QUEUE_URL,
          batchSize: e.CAMPAIGN_BATCH_SIZE,
          windowSeconds: e.CAMPAIGN_BATCHING_WINDOW_SECONDS,
          concurrency: e.CAMPAIGN_CONCURRENCY,
          timeoutSeconds: e.CAMPAIGN_TIMEOUT_SECONDS,
        }
      : undefined,
  };
  const consumers: ServiceSettings['consumers'] = {};
  for (const name of Object.keys(all) as ConsumerName[]) {
    const c = all[name];
    if (c && wanted.has(name)) consumers[name] = c;
  }
  return { consumers, dbPoolMax: e.DB_POOL_MAX, waitTimeSeconds: e.SQS_WAIT_TIME_SECONDS };
}

export interface PipelineService {
  /** Stops polling, lets in-flight batches finish and delete, then closes the pool. */
  stop(): Promise<void>;
  stats(): Partial<Record<ConsumerName, EventSourceMappingStats>>;
}

/**
 * The long-running mode: the processor, answer worker and campaign sender
 * cores behind the event-source-mapping poller, pointed at real SQS, sharing
 * one Postgres pool and one SQS client. The same environment as the Lambdas
 * (secrets by value or by `<NAME>_SECRET_ARN`).
 */
export async function startPipelineService(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  settings: ServiceSettings = serviceSettingsFromEnv(env),
): Promise<PipelineService> {
  const sqs = new SQSClient({});
  const s3 = new S3Client({});
  const db: Db = await dbFromEnv(env, { max: settings.dbPoolMax, applicationName: 'waba-service' });
  const mappings: Partial<Record<ConsumerName, EventSourceMapping>> = {};
  try {
    const start = (
      name: ConsumerName,
      c: ConsumerSettings,
      handler: Parameters<typeof startEventSourceMapping>[0]['handler'],
    ) => {
      mappings[name] = startEventSourceMapping({
        sqs,
        queueUrl: c.queueUrl,
        handler,
        batchSize: c.batchSize,
        maximumBatchingWindowSeconds: c.windowSeconds,
        concurrency: c.concurrency,
        waitTimeSeconds: settings.waitTimeSeconds,
        handlerTimeoutMs: c.timeoutSeconds * 1000,
        logger: logger.child({ consumer: name }),
      });
    };
    const { ingest, answer, campaign } = settings.consumers;
    if (ingest) {
      const deps = await processorDepsFromEnv(env, {
        db,
        sqs,
        s3,
        logger: logger.child({ fn: 'db-processor' }),
      });
      start('ingest', ingest, (event) => processSqsEvent(event, deps));
    }
    if (answer) {
      const deps = await answerDepsFromEnv(env, {
        db,
        sqs,
        logger: logger.child({ fn: 'answer-worker' }),
      });
      start('answer', answer, (event) => processAnswerJobs(event, deps));
    }
    if (campaign) {
      const deps = await campaignDepsFromEnv(env, {
        db,
        sqs,
        logger: logger.child({ fn: 'campaign-sender' }),
      });
      start('campaign', campaign, async (event) => {
        const { batchItemFailures } = await processCampaignJobs(event, deps);
        return { batchItemFailures };
      });
    }
  } catch (error) {
    await Promise.all(Object.values(mappings).map((m) => m.stop()));
    await db.destroy();
    throw error;
  }
  logger.info(
    { consumers: Object.keys(mappings), dbPoolMax: settings.dbPoolMax },
    'pipeline service started',
  );

  return {
    // A second call shares the first stop (one that failed may be tried again).
    stop: lazy(async () => {
      await Promise.all(Object.values(mappings).map((m) => m.stop()));
      await db.destroy();
      sqs.destroy();
      s3.destroy();
    }),
    stats() {
      const out: Partial<Record<ConsumerName, EventSourceMappingStats>> = {};
      for (const [name, m] of Object.entries(mappings)) out[name as ConsumerName] = m.stats();
      return out;
    },
  };
}
