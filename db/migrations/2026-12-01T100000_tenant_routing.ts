import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/** The app a number without a recorded app is bound to, and the app of /webhook. */
const DEFAULT_APP = 'default';

/** The partitions of a partitioned table, by name. */
const partitionsOf = (parent: string) => sql`
  select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent = ${sql.lit(parent)}::regclass`;

type Description = { table: string } & Record<
  'body_sha256' | 'organization_id' | 'app_id' | 'outcome' | 'error',
  string
>;

/** What webhook_events and the columns this migration changes mean, before and after it. */
const BEFORE: Description = {
  table:
    'Audit trail: one row per webhook body (per month), with its outcome and the raw bytes for replay; partitioned by received_month.',
  body_sha256: 'SHA-256 of the raw body; with received_month, the dedupe key.',
  organization_id: 'Organization it was routed to; null when unrouted or rejected.',
  app_id: 'Meta app the body was signed for.',
  outcome:
    'processed, unrouted (no organization for its numbers; replayable) or rejected (unparseable).',
  error: 'Why it was unrouted or rejected.',
};
const AFTER: Description = {
  table:
    'Audit trail for the operator: one row per webhook body, signing app and month, with its outcome and the raw bytes for replay; partitioned by received_month. Analysts read webhook_event_extracts instead.',
  body_sha256: 'SHA-256 of the raw body; with app_id and received_month, the dedupe key.',
  organization_id:
    'The one organization its applied items belong to; null when none or several (see webhook_event_extracts).',
  app_id: 'Meta app that signed the body (default: the app of /webhook).',
  outcome:
    "processed, unrouted (no organization for some of its numbers; replayable), misrouted (items signed by an app their number is not bound to, or statuses naming another organization's message; not applied) or rejected (unparseable).",
  error: 'Why items were unrouted, misrouted or rejected.',
};

async function describeWebhookEvents(db: Kysely<unknown>, d: Description): Promise<void> {
  const { table, ...columns } = d;
  await sql`comment on table webhook_events is ${sql.lit(table)}`.execute(db);
  for (const [column, text] of Object.entries(columns))
    await sql`comment on column ${sql.ref(`webhook_events.${column}`)} is ${sql.lit(text)}`.execute(
      db,
    );
}

/** Replaces the CHECK on webhook_events.outcome, on the parent and on every partition. */
async function replaceOutcomeCheck(db: Kysely<unknown>, outcomes: string[]): Promise<void> {
  await sql`alter table webhook_events drop constraint webhook_events_outcome_check`.execute(db);
  // Month partitions were created with LIKE … INCLUDING CONSTRAINTS: they hold a copy of their own.
  const { rows } = await sql<{ relname: string }>`${partitionsOf('webhook_events')}`.execute(db);
  for (const { relname } of rows) {
    await sql`alter table ${sql.table(relname)} drop constraint if exists webhook_events_outcome_check`.execute(
      db,
    );
  }
  await sql`alter table webhook_events add constraint webhook_events_outcome_check
    check (outcome in (${sql.join(outcomes.map((o) => sql.lit(o)))}))`.execute(db);
}

/**
 * Tenancy of the audit trail.
 *
 * 1. `webhook_events.outcome` gains `misrouted`: the body (or part of it) was
 *    signed by a Meta app other than the one its numbers are bound to, or a
 *    status named a message of another organization. Such items are not applied.
 * 2. The app that signed a body is part of its dedupe key: the same bytes
 *    signed by another app are another delivery, recorded on their own row,
 *    and never touch the row of the app that owns them. Rows stored without
 *    an app came through `/webhook`: the default app.
 * 3. `webhook_events` (the raw bodies, several organizations' data in one
 *    body) becomes the operator's table: analysts lose SELECT on it. Each
 *    organization reads its own view in `webhook_event_extracts`: one row per
 *    body and organization holding only that organization's entries and
 *    changes, partitioned by month like the raw bodies, so retention drops both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceOutcomeCheck(db, ['processed', 'unrouted', 'misrouted', 'rejected']);
  await sql`
    create index webhook_events_misrouted_idx on webhook_events (received_at) where outcome = 'misrouted';

    update webhook_events set app_id = ${sql.lit(DEFAULT_APP)} where app_id is null;
    alter table webhook_events alter column app_id set not null;
    alter table webhook_events alter column app_id set default ${sql.lit(DEFAULT_APP)};
    alter table webhook_events drop constraint webhook_events_body_sha256_received_month_key;
    alter table webhook_events add constraint webhook_events_body_app_month_key
      unique (body_sha256, app_id, received_month);

    drop policy analyst_own_organization on webhook_events;
    revoke select on webhook_events from waba_analyst;
    -- Belt and braces: even a later grant would show an analyst no raw body.
    create policy analyst_no_raw_bodies on webhook_events for select to waba_analyst using (false);

    create table webhook_event_extracts (
      id bigint generated always as identity,
      organization_id uuid not null references organizations(id) on delete cascade,
      body_sha256 text not null,
      app_id text not null,
      fields text[] not null default '{}',
      outcome text not null check (outcome in ('processed', 'misrouted')),
      error text,
      item_counts jsonb not null default '{}'::jsonb,
      body jsonb not null,
      received_at timestamptz not null,
      first_processed_at timestamptz not null default now(),
      last_processed_at timestamptz not null default now(),
      received_month date not null,
      primary key (id, received_month),
      unique (body_sha256, app_id, organization_id, received_month)
    ) partition by range (received_month);
    create index webhook_event_extracts_org_time_idx on webhook_event_extracts (organization_id, received_at);
    create table webhook_event_extracts_default partition of webhook_event_extracts default;
    select waba_create_month_partition('webhook_event_extracts', m)
      from (select to_date(right(relname, 7), 'YYYY_MM') as m from (${partitionsOf('webhook_events')}) p
            where relname ~ '^webhook_events_[0-9]{4}_[0-9]{2}$') months;

    grant select on webhook_event_extracts to waba_analyst;
    alter table webhook_event_extracts enable row level security;
    create policy analyst_own_organization on webhook_event_extracts for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));

    comment on table webhook_event_extracts is
      'Each organization''s view of the audit trail: per webhook body and organization, the entries and changes of the body that belong to it. Analysts read this, never the raw bodies; partitioned by received_month.';
    comment on column webhook_event_extracts.id is 'Row id.';
    comment on column webhook_event_extracts.organization_id is 'Organization the row belongs to (row-level security key).';
    comment on column webhook_event_extracts.body_sha256 is 'SHA-256 of the raw body (joins webhook_events, for the operator).';
    comment on column webhook_event_extracts.app_id is 'Meta app that signed the body.';
    comment on column webhook_event_extracts.fields is 'Webhook fields of the organization''s changes.';
    comment on column webhook_event_extracts.outcome is 'processed, or misrouted (some of its statuses named a message of another organization and were not applied).';
    comment on column webhook_event_extracts.error is 'Why items were not applied.';
    comment on column webhook_event_extracts.item_counts is 'The organization''s items per kind (messages, statuses, …), JSON.';
    comment on column webhook_event_extracts.body is 'The body reduced to the organization''s entries and changes (JSON).';
    comment on column webhook_event_extracts.received_at is 'When the receiver accepted the body.';
    comment on column webhook_event_extracts.first_processed_at is 'First processing.';
    comment on column webhook_event_extracts.last_processed_at is 'Latest processing (redeliveries, replays).';
    comment on column webhook_event_extracts.received_month is 'UTC month of received_at; the partition key.';
  `.execute(db);
  await describeWebhookEvents(db, AFTER);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists webhook_event_extracts;
    drop policy if exists analyst_no_raw_bodies on webhook_events;
    grant select on webhook_events to waba_analyst;
    create policy analyst_own_organization on webhook_events for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));

    -- The same body signed by two apps keeps its first row.
    delete from webhook_events a using webhook_events b
      where a.body_sha256 = b.body_sha256 and a.received_month = b.received_month and a.id > b.id;
    alter table webhook_events drop constraint webhook_events_body_app_month_key;
    alter table webhook_events add constraint webhook_events_body_sha256_received_month_key
      unique (body_sha256, received_month);
    alter table webhook_events alter column app_id drop not null;
    alter table webhook_events alter column app_id drop default;

    drop index if exists webhook_events_misrouted_idx;
    update webhook_events set outcome = 'rejected' where outcome = 'misrouted';
  `.execute(db);
  await replaceOutcomeCheck(db, ['processed', 'unrouted', 'rejected']);
  await describeWebhookEvents(db, BEFORE);
}
