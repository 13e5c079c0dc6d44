import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/** The partitions of a partitioned table, by name. */
const partitionsOf = (parent: string) => sql`
  select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent = ${sql.lit(parent)}::regclass`;

/** Replaces the CHECK on webhook_events.outcome, on the parent and on every partition. */
async function replaceOutcomeCheck(db: Kysely<unknown>, outcomes: string[]): Promise<void> {
  await sql`alter table webhook_events drop constraint webhook_events_outcome_check`.execute(db);
  const { rows } = await sql<{ relname: string }>`${partitionsOf('webhook_events')}`.execute(db);
  for (const { relname } of rows) {
    await sql`alter table ${sql.table(relname)} drop constraint if exists webhook_events_outcome_check`.execute(
      db,
    );
  }
  await sql`alter table webhook_events add constraint webhook_events_outcome_check
    check (outcome in (${sql.join(outcomes.map((o) => sql.lit(o)))}))`.execute(db);
}

/** Tables of this migration whose rows belong to one organization (analysts read their own). */
const TABLES = [
  'templates',
  'template_events',
  'phone_number_limits',
  'phone_number_events',
  'business_capabilities',
  'marketing_preferences',
  'calls',
];

const OUTCOME_BEFORE =
  "processed, unrouted (no organization for some of its numbers; replayable), misrouted (items signed by an app their number is not bound to, or statuses naming another organization's message; not applied) or rejected (unparseable).";
const OUTCOME_AFTER =
  "processed; partial (some items failed validation and were not stored: replay with `webhooks replay --outcome partial` after an upgrade that reads them); unrouted (no organization for some of its numbers; replayable); misrouted (items signed by an app their number is not bound to, or statuses naming another organization's message; not applied); rejected (unparseable).";

/**
 * A typed home for every webhook field besides `messages`, beside the audit
 * row in account_events (which keeps every field's value as jsonb, including
 * the fields nobody knows yet):
 *
 * - templates (current status, category, quality per template) and
 *   template_events (their history);
 * - phone_number_limits (current quality event and messaging limit per
 *   number) and phone_number_events (their history);
 * - business_capabilities (the limits Meta sets per business portfolio and WABA);
 * - marketing_preferences (users' marketing stop/resume, the suppression source);
 * - calls (one row per call id).
 *
 * And webhook_events.outcome gains `partial`: some items failed validation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceOutcomeCheck(db, ['processed', 'partial', 'unrouted', 'misrouted', 'rejected']);
  await sql`
    create index webhook_events_partial_idx on webhook_events (received_at) where outcome = 'partial';
    comment on column webhook_events.outcome is ${sql.lit(OUTCOME_AFTER)};

    create table templates (
      organization_id uuid not null references organizations(id) on delete cascade,
      template_id text not null,
      waba_id text not null,
      name text,
      language text,
      status text,
      reason text,
      rejection_info jsonb,
      status_at timestamptz,
      category text,
      category_at timestamptz,
      quality_score text,
      quality_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (organization_id, template_id)
    );
    create index templates_name_idx on templates (organization_id, name, language);

    create table template_events (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      template_id text not null,
      field text not null,
      event text,
      previous_value text,
      new_value text,
      value jsonb not null,
      event_key text not null unique,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now()
    );
    create index template_events_template_idx
      on template_events (organization_id, template_id, occurred_at);

    create table phone_number_limits (
      organization_id uuid not null references organizations(id) on delete cascade,
      display_phone_number text not null,
      waba_id text not null,
      event text,
      current_limit text,
      old_limit text,
      max_daily_conversations_per_business integer,
      event_at timestamptz not null,
      updated_at timestamptz not null default now(),
      primary key (organization_id, display_phone_number)
    );

    create table phone_number_events (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      display_phone_number text not null,
      event text,
      current_limit text,
      old_limit text,
      max_daily_conversations_per_business integer,
      value jsonb not null,
      event_key text not null unique,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now()
    );
    create index phone_number_events_number_idx
      on phone_number_events (organization_id, display_phone_number, occurred_at);

    create table business_capabilities (
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      max_daily_conversations_per_business integer,
      max_phone_numbers_per_business integer,
      max_phone_numbers_per_waba integer,
      event_at timestamptz not null,
      updated_at timestamptz not null default now(),
      primary key (organization_id, waba_id)
    );

    create table marketing_preferences (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      phone_number_id text,
      waba_id text not null,
      wa_id text,
      user_id text,
      category text not null,
      value text not null,
      detail text,
      event_key text not null unique,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      check (wa_id is not null or user_id is not null)
    );
    create index marketing_preferences_wa_id_idx
      on marketing_preferences (organization_id, wa_id, category, occurred_at desc) where wa_id is not null;
    create index marketing_preferences_user_id_idx
      on marketing_preferences (organization_id, user_id, category, occurred_at desc) where user_id is not null;

    create table calls (
      organization_id uuid not null references organizations(id) on delete cascade,
      call_id text not null,
      phone_number_id text,
      waba_id text not null,
      direction text,
      from_id text,
      to_id text,
      contact_wa_id text,
      contact_user_id text,
      last_event text,
      status text,
      started_at timestamptz,
      ended_at timestamptz,
      duration_seconds integer,
      biz_opaque_callback_data text,
      first_event_at timestamptz not null,
      last_event_at timestamptz not null,
      updated_at timestamptz not null default now(),
      primary key (organization_id, call_id)
    );
    create index calls_contact_idx on calls (organization_id, contact_wa_id, first_event_at);

    comment on table templates is 'Current state of each message template (per organization and Meta template id), from message_template_status_update, message_template_quality_update and template_category_update; history in template_events.';
    comment on column templates.organization_id is 'Organization owning the WABA (routed by entry.id).';
    comment on column templates.template_id is 'Meta message_template_id (as text).';
    comment on column templates.waba_id is 'WhatsApp Business Account the template belongs to.';
    comment on column templates.name is 'message_template_name.';
    comment on column templates.language is 'message_template_language (e.g. en-US).';
    comment on column templates.status is 'Latest review status event: APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION, ...';
    comment on column templates.reason is 'Reason Meta gave with the latest status (e.g. INVALID_FORMAT; NONE).';
    comment on column templates.rejection_info is 'rejection_info of the latest status (reason, recommendation), for the operator.';
    comment on column templates.status_at is 'When the latest status event happened (entry.time).';
    comment on column templates.category is 'Current category (UTILITY, MARKETING, AUTHENTICATION), from a status update or template_category_update.';
    comment on column templates.category_at is 'When the category was last set.';
    comment on column templates.quality_score is 'Current quality score (GREEN, YELLOW, RED, UNKNOWN).';
    comment on column templates.quality_at is 'When the quality score was last set.';
    comment on column templates.created_at is 'First time a webhook named the template.';
    comment on column templates.updated_at is 'Last time a webhook changed the row.';

    comment on table template_events is 'History of template webhooks: one row per status, quality or category update.';
    comment on column template_events.id is 'Surrogate key.';
    comment on column template_events.organization_id is 'Organization owning the WABA.';
    comment on column template_events.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column template_events.template_id is 'Meta message_template_id (as text).';
    comment on column template_events.field is 'Webhook field: message_template_status_update, message_template_quality_update or template_category_update.';
    comment on column template_events.event is 'Status event (APPROVED, REJECTED, ...); null for quality and category updates.';
    comment on column template_events.previous_value is 'Previous quality score or category, when the update names it.';
    comment on column template_events.new_value is 'New status, quality score or category.';
    comment on column template_events.value is 'The change value as Meta sent it.';
    comment on column template_events.event_key is 'Stable identity of the update (the account_events key): a redelivery is a no-op.';
    comment on column template_events.occurred_at is 'When it happened (entry.time).';
    comment on column template_events.received_at is 'When it was stored.';

    comment on table phone_number_limits is 'Current quality event and messaging limit per business number (phone_number_quality_update); history in phone_number_events. Limits are per business portfolio since 2025-10-07: see business_capabilities.';
    comment on column phone_number_limits.organization_id is 'Organization owning the WABA.';
    comment on column phone_number_limits.display_phone_number is 'The number as Meta displays it (the update names no phone_number_id).';
    comment on column phone_number_limits.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column phone_number_limits.event is 'Latest event: FLAGGED, UNFLAGGED, THROUGHPUT_UPGRADE, UPGRADE, DOWNGRADE, ...';
    comment on column phone_number_limits.current_limit is 'Messaging limit after the latest event (TIER_1K ... TIER_UNLIMITED); replaces the deprecated messaging_limit_tier.';
    comment on column phone_number_limits.old_limit is 'Messaging limit before the latest event, when given.';
    comment on column phone_number_limits.max_daily_conversations_per_business is 'Portfolio-wide daily limit named by the latest event, when given.';
    comment on column phone_number_limits.event_at is 'When the latest event happened.';
    comment on column phone_number_limits.updated_at is 'Last time a webhook changed the row.';

    comment on table phone_number_events is 'History of phone_number_quality_update webhooks: one row per event.';
    comment on column phone_number_events.id is 'Surrogate key.';
    comment on column phone_number_events.organization_id is 'Organization owning the WABA.';
    comment on column phone_number_events.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column phone_number_events.display_phone_number is 'The number as Meta displays it.';
    comment on column phone_number_events.event is 'FLAGGED, UNFLAGGED, THROUGHPUT_UPGRADE, UPGRADE, DOWNGRADE, ...';
    comment on column phone_number_events.current_limit is 'Messaging limit after the event.';
    comment on column phone_number_events.old_limit is 'Messaging limit before the event, when given.';
    comment on column phone_number_events.max_daily_conversations_per_business is 'Portfolio-wide daily limit, when given.';
    comment on column phone_number_events.value is 'The change value as Meta sent it (a deprecated messaging_limit_tier stays here).';
    comment on column phone_number_events.event_key is 'Stable identity of the event: a redelivery is a no-op.';
    comment on column phone_number_events.occurred_at is 'When it happened (entry.time).';
    comment on column phone_number_events.received_at is 'When it was stored.';

    comment on table business_capabilities is 'Latest limits Meta set per WABA and business portfolio (business_capability_update); each update is also in account_events.';
    comment on column business_capabilities.organization_id is 'Organization owning the WABA.';
    comment on column business_capabilities.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column business_capabilities.max_daily_conversations_per_business is 'Daily business-initiated conversation limit of the portfolio.';
    comment on column business_capabilities.max_phone_numbers_per_business is 'Phone numbers the portfolio may register.';
    comment on column business_capabilities.max_phone_numbers_per_waba is 'Phone numbers the WABA may register.';
    comment on column business_capabilities.event_at is 'When the latest update happened (an update names only what changed: each column keeps the latest value given).';
    comment on column business_capabilities.updated_at is 'Last time a webhook changed the row.';

    comment on table marketing_preferences is 'Users stopping or resuming marketing messages (user_preferences), one row per item: the latest row per identity and category is the suppression source. Identifiers as the payload gives them; no contact reference.';
    comment on column marketing_preferences.id is 'Surrogate key.';
    comment on column marketing_preferences.organization_id is 'Organization owning the number (routed by metadata.phone_number_id, else the WABA).';
    comment on column marketing_preferences.phone_number_id is 'Business number the preference was given to.';
    comment on column marketing_preferences.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column marketing_preferences.wa_id is 'The user''s phone wa_id, when given.';
    comment on column marketing_preferences.user_id is 'The user''s business-scoped user id (BSUID), when given.';
    comment on column marketing_preferences.category is 'What the preference is about (marketing_messages).';
    comment on column marketing_preferences.value is 'stop or resume.';
    comment on column marketing_preferences.detail is 'Meta''s description of the request.';
    comment on column marketing_preferences.event_key is 'Stable identity of the item: a redelivery is a no-op.';
    comment on column marketing_preferences.occurred_at is 'When the user gave it (item timestamp).';
    comment on column marketing_preferences.received_at is 'When it was stored.';

    comment on table calls is 'One row per call (calls field, wacid.*): its latest event and status, start, end and duration. Each event is also in account_events; the SDP only there.';
    comment on column calls.organization_id is 'Organization owning the number.';
    comment on column calls.call_id is 'Meta call id (wacid.*).';
    comment on column calls.phone_number_id is 'Business number of the call.';
    comment on column calls.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column calls.direction is 'USER_INITIATED or BUSINESS_INITIATED.';
    comment on column calls.from_id is 'Caller (from), as Meta sent it.';
    comment on column calls.to_id is 'Callee (to), as Meta sent it.';
    comment on column calls.contact_wa_id is 'The user''s wa_id: the caller of a user-initiated call, the callee otherwise.';
    comment on column calls.contact_user_id is 'The user''s business-scoped user id (BSUID), when the payload gives it.';
    comment on column calls.last_event is 'Latest event: connect, terminate, ...';
    comment on column calls.status is 'Latest status (e.g. COMPLETED, FAILED), when given.';
    comment on column calls.started_at is 'start_time, when given.';
    comment on column calls.ended_at is 'end_time, when given.';
    comment on column calls.duration_seconds is 'duration, when given.';
    comment on column calls.biz_opaque_callback_data is 'biz_opaque_callback_data of the call, when given.';
    comment on column calls.first_event_at is 'Timestamp of the earliest event seen.';
    comment on column calls.last_event_at is 'Timestamp of the latest event seen.';
    comment on column calls.updated_at is 'Last time a webhook changed the row.';
  `.execute(db);
  for (const table of TABLES) {
    await sql`
      grant select on ${sql.table(table)} to waba_analyst;
      alter table ${sql.table(table)} enable row level security;
      create policy analyst_own_organization on ${sql.table(table)} for select to waba_analyst
        using (organization_id = (select waba_analyst_organization()));
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists calls, marketing_preferences, business_capabilities, phone_number_events,
      phone_number_limits, template_events, templates;
    drop index if exists webhook_events_partial_idx;
    update webhook_events set outcome = 'processed' where outcome = 'partial';
    comment on column webhook_events.outcome is ${sql.lit(OUTCOME_BEFORE)};
  `.execute(db);
  await replaceOutcomeCheck(db, ['processed', 'unrouted', 'misrouted', 'rejected']);
}
