export {
  isMessagesField,
  parseContact,
  parseInboundMessage,
  parseStatus,
  parseWebhookError,
  parseWebhookPayload,
} from './webhook.schema';
export type {
  InboundMessage,
  MessageStatus,
  WebhookChange,
  WebhookContact,
  WebhookPayload,
} from './webhook.schema';
export {
  businessCapabilityUpdateSchema,
  callContactSchema,
  callSchema,
  callsValueSchema,
  echoRecipientSchema,
  phoneNumberQualityUpdateSchema,
  standbyValueSchema,
  templateCategoryUpdateSchema,
  templateQualityUpdateSchema,
  templateStatusUpdateSchema,
  userPreferenceSchema,
  userPreferencesValueSchema,
} from './account-field.schema';
export { decodeWebhookPayload } from './decode-webhook';
export { messageText } from './message-body';
export { signPayload, verifySignature } from './signature';
export { metaEscape } from './meta-json';
export { classifyGraphError, isKnownGraphErrorCode } from './graph-errors';
export type { GraphErrorKind, GraphErrorClassification } from './graph-errors';
export {
  WhatsAppError,
  InvalidWebhookPayloadError,
  GraphApiError,
  EnvError,
  SecretError,
  errorText,
} from './errors';
export {
  envFor,
  envSome,
  envInt,
  envNumber,
  envOptional,
  envReader,
  envRequired,
  parseEnv,
} from './env';
export type { EnvSchema, EnvSource, EnvValue, EnvVars } from './env';
export { createLogger, REDACT_PATHS } from './logging';
export type { Logger } from './logging';
export { DEFAULT_APP_ID, INGEST_ATTRIBUTES, isSqsSafe } from './ingest-message';
export type { ClaimCheckPointer } from './ingest-message';
export type { AnswerJob } from './answer-job';
export { MEDIA_TYPES, isMediaType, mediaItemOf } from './media-job';
export type { MediaItem, MediaJob, MediaType } from './media-job';
export { GraphRequestError, GraphTokenError, RecipientNeedsPhoneError } from './errors';
export { classifySendFailure, requestNeverLeft } from './send-outcome';
export {
  MARKETING_LIMIT_CODE,
  MARKETING_LIMIT_RETRY_MS,
  RETRYABLE_FAILURE_CODES,
  US_MARKETING_REASON,
  campaignRefusal,
} from './campaign-refusals';
export type { CampaignRefusal, CampaignRetry } from './campaign-refusals';
export type { SendFailure } from './send-outcome';
export {
  GRAPH_TOKEN_PLACEHOLDER,
  PLACEHOLDER_SECRET_PREFIX,
  isPlaceholderSecret,
  staticAccessToken,
} from './access-token';
export type { AccessTokenSource } from './access-token';
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
  Recipient,
  ListTemplatesOptions,
  MessageTemplate,
  MediaLocation,
} from './graph-client';
export { MESSAGE_TEMPLATE_FIELDS } from './message-templates';
export { DEFAULT_GRAPH_VERSION, GRAPH_VERSION_PATTERN, envGraphVersion } from './graph-version';
export { lazy } from './lazy';
export type { Lazy, LazyOptions } from './lazy';
export { backoffDelay, jitteredBackoffDelay } from './backoff';
export type { ExponentialBackoff } from './backoff';
export { isBusinessScopedUserId } from './identity';
export { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
export { safeParseOf } from './safe-parse';
export {
  ANSWERABLE_MESSAGE_TYPES,
  UNSUPPORTED_MESSAGE_TYPE,
  answerTriggerOf,
} from './answer-trigger';
