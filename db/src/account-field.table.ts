import type { ColumnType, Generated, Selectable } from 'kysely';

/** Rows the ingest writer creates; read-only for everyone else. */
type Stamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Written<T> = ColumnType<T, T, T>;

export interface TemplatesTable {
  organization_id: string;
  template_id: string;
  waba_id: string;
  name: string | null;
  language: string | null;
  status: string | null;
  reason: string | null;
  rejection_info: unknown;
  status_at: Date | null;
  category: string | null;
  category_at: Date | null;
  quality_score: string | null;
  quality_at: Date | null;
  /** As the Graph API lists them; null until synced. */
  components: ColumnType<unknown, unknown | undefined, unknown>;
  synced_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Stamp;
  updated_at: Stamp;
}
export type TemplateRow = Selectable<TemplatesTable>;

export interface TemplateEventsTable {
  id: Generated<number>;
  organization_id: string;
  waba_id: string;
  template_id: string;
  field: string;
  event: string | null;
  previous_value: string | null;
  new_value: string | null;
  value: unknown;
  event_key: string;
  occurred_at: Written<Date>;
  received_at: Stamp;
}

export interface PhoneNumberLimitsTable {
  organization_id: string;
  display_phone_number: string;
  waba_id: string;
  event: string | null;
  current_limit: string | null;
  old_limit: string | null;
  max_daily_conversations_per_business: number | null;
  event_at: Written<Date>;
  updated_at: Stamp;
}

export interface PhoneNumberEventsTable {
  id: Generated<number>;
  organization_id: string;
  waba_id: string;
  display_phone_number: string;
  event: string | null;
  current_limit: string | null;
  old_limit: string | null;
  max_daily_conversations_per_business: number | null;
  value: unknown;
  event_key: string;
  occurred_at: Written<Date>;
  received_at: Stamp;
}

export interface BusinessCapabilitiesTable {
  organization_id: string;
  waba_id: string;
  max_daily_conversations_per_business: number | null;
  max_phone_numbers_per_business: number | null;
  max_phone_numbers_per_waba: number | null;
  event_at: Written<Date>;
  updated_at: Stamp;
}

export interface MarketingPreferencesTable {
  id: Generated<number>;
  organization_id: string;
  phone_number_id: string | null;
  waba_id: string;
  wa_id: string | null;
  user_id: string | null;
  category: string;
  value: string;
  detail: string | null;
  event_key: string;
  occurred_at: Written<Date>;
  received_at: Stamp;
}
export type MarketingPreferenceRow = Selectable<MarketingPreferencesTable>;

export interface CallsTable {
  organization_id: string;
  call_id: string;
  phone_number_id: string | null;
  waba_id: string;
  direction: string | null;
  from_id: string | null;
  to_id: string | null;
  contact_wa_id: string | null;
  contact_user_id: string | null;
  last_event: string | null;
  status: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  biz_opaque_callback_data: string | null;
  first_event_at: Written<Date>;
  last_event_at: Written<Date>;
  updated_at: Stamp;
}

export interface StandbyEventsTable {
  id: Generated<number>;
  organization_id: string;
  phone_number_id: string | null;
  waba_id: string;
  kind: 'message' | 'message_echo' | 'status';
  wamid: string;
  direction: 'inbound' | 'outbound';
  contact_wa_id: string | null;
  contact_user_id: string | null;
  type: string | null;
  body: string | null;
  status: string | null;
  payload: unknown;
  event_key: string;
  occurred_at: Written<Date>;
  received_at: Stamp;
}
export type StandbyEventRow = Selectable<StandbyEventsTable>;
