import { appsFromEnv, appsFromSecret } from './apps';
import { awsFromEnv } from './aws-http';
import { receiverEnvFromEnv } from './env.schema';
import { lazyS3PayloadStore, secretsManagerHttpSource, sqsHttpQueue } from './lambda-adapters';
import { logger } from './logger';
import type { ReceiverDeps } from './receive';

/**
 * The receiver Lambda's dependencies from its environment, validated at once:
 * a bad setting throws an EnvError naming it, and without an app secret the
 * receiver would have to accept unsigned bodies (ConfigurationError). Apps in
 * Secrets Manager are read on first use. No AWS SDK on the way to the first
 * answer: SQS and Secrets Manager are signed HTTPS calls (the SDK's SQS client
 * alone loads slower than the cold-start budget); S3, for the rare claim
 * check, loads the SDK when first needed.
 */
export function receiverDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiverDeps {
  const settings = receiverEnvFromEnv(env);
  const aws = awsFromEnv(env);
  return {
    apps: settings.WHATSAPP_APPS_SECRET_ARN
      ? appsFromSecret(secretsManagerHttpSource(aws), settings.WHATSAPP_APPS_SECRET_ARN)
      : appsFromEnv(env),
    queue: sqsHttpQueue(aws, settings.INGEST_QUEUE_URL),
    payloads: lazyS3PayloadStore(settings.PAYLOAD_BUCKET),
    maxMessageBytes: settings.SQS_MAX_MESSAGE_BYTES,
    logger,
    clock: () => new Date(),
  };
}
