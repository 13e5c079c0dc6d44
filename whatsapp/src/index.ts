export * from './webhook.schema';
export { decodeWebhookPayload } from './decode-webhook';
export { messageText } from './message-body';
export { signPayload, verifySignature } from './signature';
export { metaEscape } from './meta-json';
export { classifyGraphError } from './graph-errors';
export type { GraphErrorKind, GraphErrorClassification } from './graph-errors';
export { WhatsAppError, InvalidWebhookPayloadError, GraphApiError, EnvError } from './errors';
export { envInt, envNumber, envOptional, envReader, envRequired, parseEnv } from './env';
export type { EnvSource } from './env';
export { createLogger, REDACT_PATHS } from './logging';
export type { Logger } from './logging';
export * from './ingest-message';
export type * from './answer-job';
export { GraphRequestError } from './errors';
export {
  createGraphClient,
  splitText,
  clampButtons,
  clampList,
  TEXT_BODY_LIMIT,
  INTERACTIVE_BODY_LIMIT,
} from './graph-client';
export type {
  GraphClient,
  GraphClientOptions,
  SendResult,
  ReplyButton,
  ListMessage,
  ListSection,
  ListRow,
  TemplateMessage,
} from './graph-client';
export { lazy } from './lazy';
