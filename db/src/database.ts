import type {
  AgentConfigsTable,
  AnswerAttemptsTable,
  ConversationsTable,
  KnowledgeEntriesTable,
} from './agent.table';
import type {
  BusinessCapabilitiesTable,
  CallsTable,
  StandbyEventsTable,
  MarketingPreferencesTable,
  PhoneNumberEventsTable,
  PhoneNumberLimitsTable,
  TemplateEventsTable,
  TemplatesTable,
} from './account-field.table';
import type { ApiIdempotencyTable, ApiKeysTable, ApiRateWindowsTable } from './api-key.table';
import type { ContactIdentityChangesTable, ContactsTable } from './contact.table';
import type { ErasureLogTable } from './erasure-log.table';
import type {
  AnalystBindingsTable,
  CampaignAudienceTable,
  CampaignDailyStatsView,
  CampaignFailureReasonsView,
  CampaignStatsView,
  CampaignsTable,
  SendRateSlotsTable,
} from './campaign.table';
import type {
  MessageReactionsTable,
  MessageRevisionsTable,
  MessageStatusEventsTable,
  MessagesTable,
  MessageVersionsView,
} from './message.table';
import type { MediaObjectsTable } from './media-object.table';
import type { OrganizationsTable, PhoneNumbersTable } from './organization.table';
import type { OptOutKeywordsTable, SuppressionsTable } from './suppression.table';
import type {
  CampaignSpendView,
  DailySpendView,
  MessageCostsView,
  RateCardsTable,
} from './spend.table';
import type {
  AccountEventsTable,
  WebhookEventExtractsTable,
  WebhookEventsTable,
} from './webhook-event.table';

import type {
  CampaignOutcomeReasonsView,
  MessagingWindowRecipientsTable,
  SendingLimitsTable,
} from './sending-limit.table';

export interface Database {
  organizations: OrganizationsTable;
  phone_numbers: PhoneNumbersTable;
  contacts: ContactsTable;
  contact_identity_changes: ContactIdentityChangesTable;
  messages: MessagesTable;
  message_status_events: MessageStatusEventsTable;
  message_revisions: MessageRevisionsTable;
  message_versions: MessageVersionsView;
  message_reactions: MessageReactionsTable;
  campaigns: CampaignsTable;
  campaign_audience: CampaignAudienceTable;
  account_events: AccountEventsTable;
  templates: TemplatesTable;
  template_events: TemplateEventsTable;
  phone_number_limits: PhoneNumberLimitsTable;
  phone_number_events: PhoneNumberEventsTable;
  business_capabilities: BusinessCapabilitiesTable;
  marketing_preferences: MarketingPreferencesTable;
  calls: CallsTable;
  standby_events: StandbyEventsTable;
  media_objects: MediaObjectsTable;
  webhook_events: WebhookEventsTable;
  webhook_event_extracts: WebhookEventExtractsTable;
  agent_configs: AgentConfigsTable;
  knowledge_entries: KnowledgeEntriesTable;
  conversations: ConversationsTable;
  answer_attempts: AnswerAttemptsTable;
  send_rate_slots: SendRateSlotsTable;
  analyst_bindings: AnalystBindingsTable;
  suppressions: SuppressionsTable;
  opt_out_keywords: OptOutKeywordsTable;
  rate_cards: RateCardsTable;
  message_costs: MessageCostsView;
  campaign_spend: CampaignSpendView;
  daily_spend: DailySpendView;
  campaign_stats: CampaignStatsView;
  campaign_daily_stats: CampaignDailyStatsView;
  campaign_failure_reasons: CampaignFailureReasonsView;
  sending_limits: SendingLimitsTable;
  messaging_window_recipients: MessagingWindowRecipientsTable;
  campaign_outcome_reasons: CampaignOutcomeReasonsView;
  erasure_log: ErasureLogTable;
  api_keys: ApiKeysTable;
  api_rate_windows: ApiRateWindowsTable;
  api_idempotency: ApiIdempotencyTable;
}
