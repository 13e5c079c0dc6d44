import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { appsFromEnv, appsFromSecret } from './apps';
import { s3PayloadStore, sqsIngestQueue } from './aws-adapters';
import { secretsManagerSource } from './secrets-manager';
import { logger } from './logger';
import { handleWebhookRequest, type ReceiverDeps } from './receive';

let deps: ReceiverDeps | undefined;

// Built on the first request, not at import: nothing slow in the cold start path.
function init(): ReceiverDeps {
  const env = process.env;
  return {
    apps: env.WHATSAPP_APPS_SECRET_ARN
      ? appsFromSecret(secretsManagerSource(), env.WHATSAPP_APPS_SECRET_ARN)
      : appsFromEnv(env),
    queue: sqsIngestQueue(new SQSClient({}), env.INGEST_QUEUE_URL ?? ''),
    payloads: s3PayloadStore(new S3Client({}), env.PAYLOAD_BUCKET ?? ''),
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
