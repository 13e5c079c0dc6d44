export { sqsAnswerQueue } from './answer-queue';
export { sqsMediaQueue } from './media-queue';
export type { MediaQueue } from './media-queue';
export type { AnswerQueue, ScheduledAnswerJob } from './answer-queue';
export {
  MAX_BACKOFF_SECONDS,
  backoffSeconds,
  queueUrlFromArn,
  sqsMessageVisibility,
} from './backoff';
export type {
  BackoffPolicy,
  MessageVisibility,
  TransientBackoff,
  VisibilityDelay,
} from './backoff';
export { ingestBackoffFromEnv, processorDepsFromEnv } from './deps-from-env';
export { ingestBackoffEnvSchema, processorEnvSchema } from './env.schema';
export { normalizeWebhook } from './normalize';
export { processSqsEvent } from './process-sqs-event';
export type { SqsProcessorDeps } from './process-sqs-event';
export { MISROUTED_LOG_MESSAGE, processWebhooks } from './process-webhooks';
export type { ProcessorDeps } from './process-webhooks';
export { readRecord } from './read-record';
export type { PayloadReader, RawWebhook } from './read-record';
export { replayUnrouted, replayWebhooks } from './replay';
export type { ReplayOptions, ReplayResult } from './replay';
export { boundAppOf, routeToOrganization, routeWebhook, routingKeys } from './route';
export { s3PayloadReader } from './s3-payload-reader';
