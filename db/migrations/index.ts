import type { Migration } from 'kysely';
import * as initial from './2026-11-22T000000_initial';
import * as answerWorker from './2026-11-22T010000_answer_worker';
import * as campaignSending from './2026-11-22T020000_campaign_sending';
import * as monthlyPartitions from './2026-11-22T030000_monthly_partitions';
import * as analystAccess from './2026-11-22T040000_analyst_access';
import * as comments from './2026-11-22T050000_comments';
import * as reportIndexes from './2026-11-22T060000_report_indexes';
import * as tenantRouting from './2026-12-01T100000_tenant_routing';
import * as unknownOutcome from './2026-12-01T120000_unknown_outcome';
import * as contactIdentity from './2026-12-01T140000_contact_identity';
import * as coexistenceRevisions from './2026-12-01T150000_coexistence_revisions';
import * as accountFields from './2026-12-01T160000_account_fields';
import * as attemptKind from './2026-12-02T100000_attempt_kind';

import * as standbyEvents from './2026-12-02T110000_standby_events';
import * as messageErrors from './2026-12-02T110100_message_errors';
import * as unsupportedNotice from './2026-12-02T110200_unsupported_notice';
import * as suppressions from './2026-12-02T120000_suppressions';
import * as statusPricing from './2026-12-02T120100_status_pricing';
import * as rateCards from './2026-12-02T120200_rate_cards';
import * as campaignRefusalsLimits from './2026-12-02T130000_campaign_refusals_limits';
import * as templateSync from './2026-12-02T140000_template_sync';
import * as mediaObjects from './2026-12-02T150000_media_objects';
import * as agentImageInput from './2026-12-02T160000_agent_image_input';
import * as erasureLog from './2026-12-02T170000_erasure_log';
import * as organizationRetention from './2026-12-02T170100_organization_retention';
import * as apiAccess from './2026-12-02T180000_api_access';

/**
 * Every migration, by name. A static list instead of a folder scan, so the
 * migrations bundle into a Lambda and load under jest without dynamic import.
 * Names sort in time order; add new ones at the end.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-22T000000_initial': initial,
  '2026-11-22T010000_answer_worker': answerWorker,
  '2026-11-22T020000_campaign_sending': campaignSending,
  '2026-11-22T030000_monthly_partitions': monthlyPartitions,
  '2026-11-22T040000_analyst_access': analystAccess,
  '2026-11-22T050000_comments': comments,
  '2026-11-22T060000_report_indexes': reportIndexes,
  '2026-12-01T100000_tenant_routing': tenantRouting,
  '2026-12-01T120000_unknown_outcome': unknownOutcome,
  '2026-12-01T140000_contact_identity': contactIdentity,
  '2026-12-01T150000_coexistence_revisions': coexistenceRevisions,
  '2026-12-01T160000_account_fields': accountFields,
  '2026-12-02T100000_attempt_kind': attemptKind,
  '2026-12-02T110000_standby_events': standbyEvents,
  '2026-12-02T110100_message_errors': messageErrors,
  '2026-12-02T110200_unsupported_notice': unsupportedNotice,
  '2026-12-02T120000_suppressions': suppressions,
  '2026-12-02T120100_status_pricing': statusPricing,
  '2026-12-02T120200_rate_cards': rateCards,
  '2026-12-02T130000_campaign_refusals_limits': campaignRefusalsLimits,
  '2026-12-02T140000_template_sync': templateSync,
  '2026-12-02T150000_media_objects': mediaObjects,
  '2026-12-02T160000_agent_image_input': agentImageInput,
  '2026-12-02T170000_erasure_log': erasureLog,
  '2026-12-02T170100_organization_retention': organizationRetention,
  '2026-12-02T180000_api_access': apiAccess,
};
