export { createDb, createPool, dbFromEnv } from './connection';
export type { Db } from './connection';
export type { Database } from './database';
export { CampaignError, isTransientDbError } from './errors';
export { databaseEnvFields, maintenanceEnvFromEnv, secretEnvFields } from './env.schema';
export { migrateDown, migrateToLatest } from './migrate';
export { pgJson, pgText } from './pg-safe';
export type {
  AgentConfigRow,
  AgentConfigUpdate,
  AgentRule,
  AnswerAttemptKind,
  AnswerAttemptRow,
  ConversationRow,
  ConversationUpdate,
  ReplyPart,
} from './agent.table';
export type { CampaignAudienceRow, CampaignRow } from './campaign.table';
export type { MessageDirection, MessageRow, MessageSource } from './message.table';
export type { WebhookOutcome } from './webhook-event.table';
export {
  addPhoneNumber,
  findOrganizationBySlug,
  findRoutes,
  listOrganizations,
  listPhoneNumbers,
  upsertOrganization,
} from './organization.repository';
export type { Routes } from './organization.repository';
export {
  emptyIngestBatch,
  findMessageOwners,
  mergeIngestBatches,
  writeIngestBatch,
} from './ingest.repository';
export type {
  AccountEventInput,
  ContactInput,
  Conversation,
  InboundMessageInput,
  IngestBatch,
  StatusEventInput,
  WebhookEventInput,
  WebhookExtractInput,
} from './ingest.repository';
export { contactById, findContact, resolveContacts } from './contact.repository';
export type { IdentityChange } from './contact.repository';
export type {
  ReactionInput,
  RevisionInput,
  ThreadContactInput,
  ThreadMessageInput,
} from './thread.repository';
export { ACCOUNT_FIELD_KINDS, latestMarketingPreference } from './account-field.repository';
export type {
  AccountFieldsBatch,
  CallEventInput,
  MarketingPreferenceInput,
  StandbyEventInput,
  TemplateUpdateInput,
} from './account-field.repository';
export { countWebhookEventsByOutcome, listWebhookEvents } from './webhook-event.repository';
export { auditLookupSchema, parseMaintenanceRequest } from './maintenance-request.schema';
export type { AuditLookup, FindAuditRequest } from './maintenance-request.schema';
export {
  debounceSecondsOf,
  getAgentConfig,
  searchKnowledge,
  setBotPaused,
  updateAgentConfig,
  updateConversation,
  upsertKnowledge,
} from './agent.repository';
export type { ConversationKey, KnowledgeInput } from './agent.repository';
export {
  changeCampaignStatus,
  completeIfDone,
  createCampaign,
  getCampaign,
  listCampaigns,
  pauseCampaignForError,
} from './campaign-lifecycle.repository';
export type { CampaignAction } from './campaign-lifecycle.repository';
export {
  campaignProgress,
  claimRecipients,
  expireStaleClaims,
  importAudience,
  recordAccepted,
  requeueUnknown,
  settleRecipient,
} from './campaign-audience.repository';
export type { SendOutcome } from './campaign-audience.repository';
export {
  awaitingFirstStatus,
  deferForMessagingLimit,
  releaseDueDeferrals,
  retryFailedRecipients,
  setRetryMarketingLimit,
  skipForbiddenRecipients,
} from './campaign-refusal.repository';
export type { RetryFailedResult } from './campaign-refusal.repository';
export {
  MAX_MESSAGES_PER_SECOND,
  reserveWindowRecipients,
  sendingLimitsOf,
  setSendingLimits,
  tierLimit,
  windowRecipientCount,
} from './sending-limit.repository';
export type { SendingLimits, WindowReservation } from './sending-limit.repository';
export type { CampaignOutcomeReasonsView } from './sending-limit.table';
export { backOffNumber, nextSendSlot, reserveSendSlots } from './campaign-send-slot.repository';
export { campaignRecipients, campaignReport } from './campaign-report.repository';
export { campaignTag, parseCampaignTag } from './campaign-tag';
export {
  DEFAULT_RETENTION,
  listPartitions,
  maintainPartitions,
  parseRetentionMonths,
} from './partitions';
export { AnalystRoleError, createAnalyst, dropAnalyst, listAnalysts } from './analyst.repository';
export { scramSha256Secret } from './scram';
export { renderSchemaDoc, undocumentedSchemaObjects } from './schema-doc';
export {
  answerTag,
  claimDueUnknownAttempts,
  finishResend,
  markAttemptUnknown,
  nextUnknownDue,
  settleAnswerAttempts,
} from './answer-attempt.repository';
export {
  claimMessages,
  lastAttemptAt,
  lockConversation,
  releaseAttempt,
  unansweredMessages,
} from './answer-claim.repository';
export type {
  NewSuppression,
  OptOutAction,
  OptOutKeywordsRow,
  SuppressionRow,
  SuppressionSource,
} from './suppression.table';
export type {
  CampaignSpendView,
  DailySpendView,
  MessageCostsView,
  RateCardRow,
} from './spend.table';
export {
  getOptOutKeywords,
  liftSuppressions,
  listSuppressions,
  setOptOutKeywords,
  suppressCampaignRecipients,
  suppressContacts,
  suppressedRecipient,
} from './suppression.repository';
export type { SuppressionInput } from './suppression.repository';
export { campaignSpend, dailySpend, importRateCard } from './spend.repository';
export type { RateCardInput } from './spend.repository';
export { emptyAccountFieldsBatch, writeAccountFields } from './account-field.repository';
export { findTemplate, listTemplates, upsertSyncedTemplates } from './template.repository';
export type { SyncedTemplateInput, TemplateSyncResult } from './template.repository';
export {
  applyTemplatesToCampaigns,
  templateHold,
  TEMPLATE_STOP_STATUSES,
} from './template-campaign.repository';
export type { TemplateCampaignChanges, TemplateKey } from './template-campaign.repository';
export type { TemplateRow } from './account-field.table';
export type {
  MediaObjectRow,
  MediaObjectUpdate,
  MediaState,
  NewMediaObject,
} from './media-object.table';
export {
  beginMediaAttempt,
  insertPendingMedia,
  markMediaSettled,
  markMediaStored,
  mediaOfMessage,
  noteMediaRetry,
  oldestPendingMediaAgeSeconds,
  hasPendingMediaSince,
  setMediaRetentionDays,
  storedMediaOf,
  takeStalePendingMedia,
} from './media-object.repository';
export type { MediaAttempt, PendingMediaInput } from './media-object.repository';
export { exportContact, toJsonLines } from './contact-export.repository';
export type { ExportKind, ExportRecord } from './contact-export.repository';
export { UnknownContactError } from './person';
export type { ContactKey } from './person';
export { eraseContact } from './contact-erasure.repository';
export { splitWebhookBody } from './person-items';
export type { BodyScope } from './person-items';
export type { ErasureReport } from './contact-erasure.repository';
export type { ErasureLogRow } from './erasure-log.table';
export { enforceRetention, organizationRetention, setOrganizationRetention } from './retention';
export type { OrganizationRetention, RetentionReport } from './retention';
export {
  authenticateApiKey,
  consumeRateLimit,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
} from './api-key.repository';
export type {
  ApiKeyListing,
  ApiPrincipal,
  CreatedApiKey,
  RateLimitState,
} from './api-key.repository';
export type { ApiKeyScope } from './api-key.table';
export { inTransaction, withOrganization } from './organization-scope';
