import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type CampaignStatus = 'draft' | 'sending' | 'paused' | 'cancelled' | 'completed';

export interface CampaignsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  phone_number_id: string | null;
  template_name: string | null;
  template_language: string | null;
  /** Meta id of the template checked at creation (templates.template_id); null before templates were checked. */
  template_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Meta's template category, when given (an authentication template needs a phone number). */
  template_category: ColumnType<string | null, string | null | undefined, string | null>;
  /** Template components with {{column}} placeholders filled per recipient. */
  template_components: ColumnType<unknown, unknown | undefined, unknown>;
  /** Send rate for this campaign; null: the sender's default. */
  rate_per_second: number | null;
  /** Recipients refused with 131049 (per-user marketing limit) are sent again, no earlier than 24 h later. */
  retry_marketing_limit: ColumnType<boolean, boolean | undefined, boolean>;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  started_at: Timestamp;
  paused_at: Timestamp;
  completed_at: Timestamp;
  cancelled_at: Timestamp;
  last_error: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type CampaignRow = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;

export interface CampaignAudienceTable {
  campaign_id: string;
  organization_id: string;
  wa_id: string;
  /** The recipient as a contact, once known. */
  contact_id: ColumnType<number | null, number | null | undefined, number | null>;
  parameters: ColumnType<unknown, unknown | undefined, unknown>;
  wamid: string | null;
  /**
   * pending → sending (claimed) → accepted (Graph returned a wamid) → sent,
   * delivered, read, failed from statuses; unknown when the outcome of a
   * claimed send was lost; suppressed when the recipient opted out of
   * marketing before its send; limit-deferred when a limit held it back
   * (Meta's 131049, or the number's 24-hour messaging limit: sent again at
   * next_attempt_at when that is set); skipped when a rule forbids the send
   * (the reason in last_error). Never sent twice: only pending rows are claimed.
   */
  status: Generated<string>;
  line_number: number | null;
  source: ColumnType<'import' | 'external', 'import' | 'external' | undefined, never>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_at: Timestamp;
  accepted_at: Timestamp;
  last_error: string | null;
  sent_at: Timestamp;
  delivered_at: Timestamp;
  read_at: Timestamp;
  failed_at: Timestamp;
  error_code: number | null;
  error_title: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type CampaignAudienceRow = Selectable<CampaignAudienceTable>;
export type NewCampaignAudience = Insertable<CampaignAudienceTable>;

export interface SendRateSlotsTable {
  phone_number_id: string;
  next_slot_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AnalystBindingsTable {
  role_name: string;
  organization_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** The campaign_stats view: one row per campaign. Counts are bigint, read as numbers. */
export interface CampaignStatsView {
  campaign_id: string;
  organization_id: string;
  name: string;
  template_name: string | null;
  template_language: string | null;
  campaign_status: CampaignStatus;
  started_at: Date | null;
  completed_at: Date | null;
  targeted: number;
  pending: number;
  accepted: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  unknown: number;
  /** Not sent: on the organization's suppression list (marketing opt-out). */
  suppressed: number;
  /** Held back by Meta's per-user marketing limit (131049) or the number's 24-hour messaging limit. */
  limit_deferred: number;
  /** Not sent by rule (reason per recipient), e.g. a marketing template to a +1 number. */
  skipped: number;
}

/** The campaign_daily_stats view: per campaign and UTC day of each status. */
export interface CampaignDailyStatsView {
  campaign_id: string;
  organization_id: string;
  day: Date;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

/** The campaign_failure_reasons view: failed recipients per error code. */
export interface CampaignFailureReasonsView {
  campaign_id: string;
  organization_id: string;
  error_code: number | null;
  error_title: string | null;
  recipients: number;
}
