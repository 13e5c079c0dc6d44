import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { appsFromEnv, appsFromSecret } from './apps';
import { awsFromEnv } from './aws-http';
import { lazyS3PayloadStore, secretsManagerHttpSource, sqsHttpQueue } from './lambda-adapters';
import { logger } from './logger';
import { handleWebhookRequest, type ReceiverDeps } from './receive';

let deps: ReceiverDeps | undefined;

// Checked at cold start, not on the first request: without an app secret the
// receiver would have to accept unsigned bodies, so it must not start at all
// (throws ConfigurationError). Apps in Secrets Manager are read on first use.
const envApps = process.env.WHATSAPP_APPS_SECRET_ARN ? undefined : appsFromEnv(process.env);

// Built on the first request, not at import. No AWS SDK on the way to the
// first answer: SQS and Secrets Manager are signed HTTPS calls (the SDK's SQS
// client alone loads slower than the cold-start budget); S3, for the rare
// claim check, loads the SDK when first needed.
function init(): ReceiverDeps {
  const env = process.env;
  const aws = awsFromEnv(env);
  return {
    apps: envApps ?? appsFromSecret(secretsManagerHttpSource(aws), env.WHATSAPP_APPS_SECRET_ARN!),
    queue: sqsHttpQueue(aws, env.INGEST_QUEUE_URL ?? ''),
    payloads: lazyS3PayloadStore(env.PAYLOAD_BUCKET ?? ''),
    maxMessageBytes: Number(env.SQS_MAX_MESSAGE_BYTES ?? 262_144),
    logger,
    clock: () => new Date(),
  };
}

export async function handler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  deps ??= init();
  return handleWebhookRequest(event, deps);
}
