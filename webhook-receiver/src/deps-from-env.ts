import type { Logger } from '@waba/whatsapp';
import { appsFromEnv, appsFromSecret } from './apps';
import { awsFromEnv, type AwsTarget } from './aws-http';
import type { IngestQueue, PayloadStore } from './enqueue';
import { receiverEnvFromEnv } from './env.schema';
import { lazyS3PayloadStore, secretsManagerHttpSource, sqsHttpQueue } from './lambda-adapters';
import { logger } from './logger';
import type { ReceiverDeps } from './receive';

/**
 * Clients a long-running process shares (the local stack's SDK clients): given
 * the validated INGEST_QUEUE_URL / PAYLOAD_BUCKET, each returns the adapter the
 * receiver uses instead of its own signed HTTPS calls.
 */
export interface ReceiverSharedClients {
  queue?: (queueUrl: string) => IngestQueue;
  payloads?: (bucket: string) => PayloadStore;
  logger?: Logger;
}

/**
 * The receiver Lambda's dependencies from its environment, validated at once:
 * a bad setting throws an EnvError naming it, and without an app secret the
 * receiver would have to accept unsigned bodies (ConfigurationError). Apps in
 * Secrets Manager are read on first use. No AWS SDK on the way to the first
 * answer: SQS and Secrets Manager are signed HTTPS calls (the SDK's SQS client
 * alone loads slower than the cold-start budget); S3, for the rare claim
 * check, loads the SDK when first needed.
 */
export function receiverDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: ReceiverSharedClients = {},
): ReceiverDeps {
  const settings = receiverEnvFromEnv(env);
  // Read (and its credentials required) only where a signed call needs it.
  let target: AwsTarget | undefined;
  const aws = () => (target ??= awsFromEnv(env));
  return {
    apps: settings.WHATSAPP_APPS_SECRET_ARN
      ? appsFromSecret(secretsManagerHttpSource(aws()), settings.WHATSAPP_APPS_SECRET_ARN)
      : appsFromEnv(env),
    queue: shared.queue
      ? shared.queue(settings.INGEST_QUEUE_URL)
      : sqsHttpQueue(aws(), settings.INGEST_QUEUE_URL),
    payloads: (shared.payloads ?? lazyS3PayloadStore)(settings.PAYLOAD_BUCKET),
    maxMessageBytes: settings.SQS_MAX_MESSAGE_BYTES,
    logger: shared.logger ?? logger,
    clock: () => new Date(),
    successLogSampleRate: settings.SUCCESS_LOG_SAMPLE_RATE,
  };
}
