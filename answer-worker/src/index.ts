export { agentFactory } from './agent/agent-factory';
export { rulesAgent } from './agent/rules-agent';
export { VISION_MODELS, acceptsImages } from './agent/vision-models';
export { answerConversation } from './answer-conversation';
export type { AnswerDeps } from './answer-conversation';
export type { MediaReader } from './answer-deps';
export { s3MediaReader } from './s3-media-reader';
export { IMAGE_ARCHIVE_WAIT_SECONDS, MAX_IMAGE_BYTES } from './images';
export { UNSUPPORTED_NOTICE, claimConversation } from './claim';
export { answerDepsFromEnv } from './deps-from-env';
export { ANSWER_NOT_SENT_EVENT, ANSWER_NOT_SENT_LOG_FILTER, RetryLaterError } from './errors';
export {
  KeywordError,
  MAX_KEYWORDS,
  MAX_KEYWORD_LENGTH,
  keywordMatcher,
  validateKeywords,
} from './keywords';
export { PII_MAX_CHARS, PII_PATTERNS, TRUNCATED, redactPii, redactPiiWith } from './pii';
export type { PiiMeter } from './pii';
export { processAnswerJobs, retryDelaySeconds } from './process-answer-jobs';
export type { AnswerJobsDeps } from './process-answer-jobs';
export { sqsRetryDelay } from './sqs-retry-delay';
export { addressJob } from './recipient';
export { DEFAULT_OPT_OUT_KEYWORDS, matchOptOut, optOutKeywordSets } from './opt-out';
export type { OptOutKeywordSet } from './opt-out';
