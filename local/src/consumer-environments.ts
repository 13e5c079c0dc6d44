import { serviceSettingsFromEnv, type ServiceSettings } from '@waba/consumer-service';
import type { StackConfig } from './config';

/** What the stack has started that the consumers' environments point at. */
export interface ConsumerTargets {
  databaseUrl: string;
  ingestQueueUrl: string;
  answerQueueUrl: string;
  campaignQueueUrl: string;
  bucket: string;
  graphUrl: string;
  /** The media queue and bucket (unset: the processor archives no media). */
  mediaQueueUrl?: string;
  mediaBucket?: string;
}

export type ConsumerFunction =
  'receiver' | 'processor' | 'answerWorker' | 'campaignSender' | 'mediaArchiver';

const defined = (vars: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(vars).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

/**
 * Each consumer's environment as a deployment sets it (the variables its
 * package's schema names), with secrets by value instead of by Secrets Manager
 * ARN. The stack builds every consumer from these through its package's
 * `…DepsFromEnv()`, in process or from its bundle, so the local stack reads
 * the same settings, defaults and checks as Lambda and the service mode.
 */
export function consumerEnvironments(
  config: StackConfig,
  t: ConsumerTargets,
): Record<ConsumerFunction, Record<string, string>> {
  const backoff = config.ingest.backoff;
  const graph = {
    WHATSAPP_ACCESS_TOKEN: config.accessToken,
    WHATSAPP_GRAPH_URL: t.graphUrl,
  };
  return {
    receiver: defined({
      INGEST_QUEUE_URL: t.ingestQueueUrl,
      PAYLOAD_BUCKET: t.bucket,
      SQS_MAX_MESSAGE_BYTES: String(config.sqsMaxMessageBytes),
      WHATSAPP_APP_SECRET: config.appSecret,
      WHATSAPP_APP_SECRET_PREVIOUS: config.previousAppSecret,
      WHATSAPP_VERIFY_TOKEN: config.verifyToken,
      WHATSAPP_APPS: config.extraApps,
    }),
    processor: defined({
      DATABASE_URL: t.databaseUrl,
      // Its own queue: ChangeMessageVisibility backs a message off during a database outage.
      INGEST_QUEUE_URL: t.ingestQueueUrl,
      ANSWER_QUEUE_URL: t.answerQueueUrl,
      ANSWER_DELAY_SECONDS: String(config.answerDelaySeconds),
      INGEST_BACKOFF_BASE_SECONDS: String(backoff?.baseSeconds ?? 0),
      INGEST_BACKOFF_MAX_SECONDS: String(backoff?.maxSeconds ?? 0),
      MEDIA_QUEUE_URL: t.mediaQueueUrl,
    }),
    answerWorker: defined({
      DATABASE_URL: t.databaseUrl,
      ANSWER_QUEUE_URL: t.answerQueueUrl,
      ...graph,
      OPENAI_API_KEY: config.openai.apiKey,
      OPENAI_BASE_URL: config.openai.baseURL,
      OPENAI_MODEL: config.openai.model,
      OPENAI_VISION_MODELS: config.openai.visionModels,
      // The images organizations with image input on let their model see.
      MEDIA_BUCKET: t.mediaBucket,
    }),
    campaignSender: {
      DATABASE_URL: t.databaseUrl,
      CAMPAIGN_QUEUE_URL: t.campaignQueueUrl,
      CAMPAIGN_RATE_PER_SECOND: String(config.campaignRatePerSecond),
      ...graph,
    },
    mediaArchiver: defined({
      DATABASE_URL: t.databaseUrl,
      MEDIA_QUEUE_URL: t.mediaQueueUrl,
      MEDIA_BUCKET: t.mediaBucket,
      ...graph,
    }),
  };
}

/**
 * The event source mappings' settings, from the service mode's schema (one set
 * of defaults for both long-running modes): the ingest mapping as the local
 * configuration says, the answer and campaign mappings at the service's
 * defaults.
 */
export function consumerMappings(
  config: StackConfig,
  t: ConsumerTargets,
): Required<ServiceSettings['consumers']> {
  const { consumers } = serviceSettingsFromEnv({
    INGEST_QUEUE_URL: t.ingestQueueUrl,
    INGEST_BATCH_SIZE: String(config.ingest.batchSize),
    INGEST_BATCHING_WINDOW_SECONDS: String(config.ingest.windowSeconds),
    INGEST_CONCURRENCY: String(config.ingest.concurrency),
    ANSWER_QUEUE_URL: t.answerQueueUrl,
    CAMPAIGN_QUEUE_URL: t.campaignQueueUrl,
  });
  return { ingest: consumers.ingest!, answer: consumers.answer!, campaign: consumers.campaign! };
}
