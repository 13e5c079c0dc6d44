import type { ColumnType } from 'kysely';

/** sending_limits: what the operator set for a business number. */
export interface SendingLimitsTable {
  phone_number_id: string;
  organization_id: string;
  unique_recipients_per_day: number | null;
  /** numeric: pg returns it as a string. */
  messages_per_second: ColumnType<string | null, number | string | null, number | string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** messaging_window_recipients: who a WABA sent a campaign template to in the last 24 hours. */
export interface MessagingWindowRecipientsTable {
  organization_id: string;
  waba_id: string;
  recipient: string;
  first_sent_at: ColumnType<Date, Date | string, Date | string>;
}

/** The campaign_outcome_reasons view: recipients not sent or not delivered, by state and code. */
export interface CampaignOutcomeReasonsView {
  campaign_id: string;
  organization_id: string;
  status: string;
  error_code: number | null;
  reason: string | null;
  recipients: number;
  next_attempt_at: Date | null;
}
