import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { answerDepsFromEnv, processAnswerJobs } from '@waba/answer-worker';
import { campaignDepsFromEnv, processCampaignJobs } from '@waba/campaign-sender';
import { createDb, databaseUrlFromEnv, type Db } from '@waba/db';
import { processorDepsFromEnv, processSqsEvent } from '@waba/db-processor';
import type { Logger } from '@waba/whatsapp';
import {
  startEventSourceMapping,
  type EventSourceMapping,
  type EventSourceMappingStats,
} from './event-source-mapping';

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

const num = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : fallback;
};

/**
 * Settings from the environment: INGEST_QUEUE_URL and ANSWER_QUEUE_URL
 * (required), CAMPAIGN_QUEUE_URL (unset: no campaign sending), per consumer
 * <NAME>_BATCH_SIZE / _BATCHING_WINDOW_SECONDS / _CONCURRENCY /
 * _TIMEOUT_SECONDS, SERVICE_CONSUMERS (default: every configured queue),
 * DB_POOL_MAX, SQS_WAIT_TIME_SECONDS.
 */
export function serviceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  if (!env.INGEST_QUEUE_URL) throw new Error('INGEST_QUEUE_URL is not set');
  if (!env.ANSWER_QUEUE_URL) throw new Error('ANSWER_QUEUE_URL is not set');
  const wanted = new Set(
    (env.SERVICE_CONSUMERS ?? 'ingest,answer,campaign').split(',').map((s) => s.trim()),
  );
  const defaults: Record<ConsumerName, Omit<ConsumerSettings, 'queueUrl'>> = {
    ingest: { batchSize: 100, windowSeconds: 1, concurrency: 2, timeoutSeconds: 30 },
    answer: { batchSize: 5, windowSeconds: 0, concurrency: 2, timeoutSeconds: 60 },
    campaign: { batchSize: 1, windowSeconds: 0, concurrency: 1, timeoutSeconds: 60 },
  };
  const urls: Record<ConsumerName, string | undefined> = {
    ingest: env.INGEST_QUEUE_URL,
    answer: env.ANSWER_QUEUE_URL,
    campaign: env.CAMPAIGN_QUEUE_URL,
  };
  const consumers: ServiceSettings['consumers'] = {};
  for (const name of Object.keys(defaults) as ConsumerName[]) {
    const queueUrl = urls[name];
    if (!queueUrl || !wanted.has(name)) continue;
    const prefix = name.toUpperCase();
    const d = defaults[name];
    consumers[name] = {
      queueUrl,
      batchSize: num(env[`${prefix}_BATCH_SIZE`], d.batchSize),
      windowSeconds: num(env[`${prefix}_BATCHING_WINDOW_SECONDS`], d.windowSeconds),
      concurrency: num(env[`${prefix}_CONCURRENCY`], d.concurrency),
      timeoutSeconds: num(env[`${prefix}_TIMEOUT_SECONDS`], d.timeoutSeconds),
    };
  }
  return {
    consumers,
    dbPoolMax: num(env.DB_POOL_MAX, 10),
    waitTimeSeconds: num(env.SQS_WAIT_TIME_SECONDS, 10),
  };
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
  const db: Db = createDb({
    connectionString: await databaseUrlFromEnv(env),
    max: settings.dbPoolMax,
    applicationName: 'waba-service',
  });
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

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await Promise.all(Object.values(mappings).map((m) => m.stop()));
        await db.destroy();
        sqs.destroy();
        s3.destroy();
      })();
      return stopping;
    },
    stats() {
      const out: Partial<Record<ConsumerName, EventSourceMappingStats>> = {};
      for (const [name, m] of Object.entries(mappings)) out[name as ConsumerName] = m.stats();
      return out;
    },
  };
}
