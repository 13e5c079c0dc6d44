import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Rank of a delivery status. failed is terminal; played (voice) follows read.
    create function wa_status_rank(status text) returns smallint
      language sql immutable parallel safe as $$
        select case status
          when 'received' then 0 when 'pending' then 0 when 'accepted' then 0
          when 'sent' then 1 when 'delivered' then 2 when 'read' then 3
          when 'played' then 4 when 'failed' then 9 else 0 end::smallint
      $$;

    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      slug text not null unique,
      settings jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table phone_numbers (
      phone_number_id text primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      display_phone_number text,
      app_id text,
      created_at timestamptz not null default now()
    );
    create index phone_numbers_waba_id_idx on phone_numbers (waba_id);
    create index phone_numbers_organization_id_idx on phone_numbers (organization_id);

    create table contacts (
      organization_id uuid not null references organizations(id) on delete cascade,
      wa_id text not null,
      profile_name text,
      user_id text,
      first_seen_at timestamptz not null,
      last_seen_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (organization_id, wa_id)
    );

    create table campaigns (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      name text not null,
      phone_number_id text,
      template_name text,
      template_language text,
      status text not null default 'draft',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index campaigns_organization_id_idx on campaigns (organization_id, created_at);

    create table messages (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      wamid text not null unique,
      direction text not null check (direction in ('inbound', 'outbound')),
      phone_number_id text,
      contact_wa_id text not null,
      type text,
      body text,
      payload jsonb,
      context_wamid text,
      status text not null,
      occurred_at timestamptz not null,
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      failed_at timestamptz,
      error_code integer,
      error_title text,
      biz_opaque_callback_data text,
      campaign_id uuid references campaigns(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index messages_contact_history_idx on messages (organization_id, contact_wa_id, occurred_at);
    create index messages_organization_time_idx on messages (organization_id, occurred_at);
    create index messages_campaign_idx on messages (campaign_id, status) where campaign_id is not null;

    create table message_status_events (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      wamid text not null,
      status text not null,
      occurred_at timestamptz not null,
      recipient_id text,
      error_code integer,
      error_title text,
      biz_opaque_callback_data text,
      conversation_id text,
      pricing_category text,
      payload jsonb not null,
      received_at timestamptz not null default now(),
      unique (wamid, status, occurred_at)
    );
    create index message_status_events_org_time_idx on message_status_events (organization_id, occurred_at);

    create table campaign_audience (
      campaign_id uuid not null references campaigns(id) on delete cascade,
      organization_id uuid not null references organizations(id) on delete cascade,
      wa_id text not null,
      parameters jsonb not null default '{}'::jsonb,
      wamid text unique,
      status text not null default 'pending',
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      failed_at timestamptz,
      error_code integer,
      error_title text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (campaign_id, wa_id)
    );
    create index campaign_audience_status_idx on campaign_audience (campaign_id, status);

    create table account_events (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      field text not null,
      event_key text not null unique,
      event text,
      value jsonb not null,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now()
    );
    create index account_events_org_time_idx on account_events (organization_id, occurred_at);

    create table webhook_events (
      id bigint generated always as identity primary key,
      body_sha256 text not null unique,
      organization_id uuid references organizations(id) on delete set null,
      app_id text,
      sqs_message_id text,
      fields text[] not null default '{}',
      outcome text not null check (outcome in ('processed', 'unrouted', 'rejected')),
      error text,
      item_counts jsonb not null default '{}'::jsonb,
      raw_body text not null,
      received_at timestamptz not null,
      first_processed_at timestamptz not null default now(),
      last_processed_at timestamptz not null default now(),
      delivery_count integer not null default 1
    );
    create index webhook_events_unrouted_idx on webhook_events (received_at) where outcome = 'unrouted';
    create index webhook_events_org_time_idx on webhook_events (organization_id, received_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists webhook_events, account_events, campaign_audience,
      message_status_events, messages, campaigns, contacts, phone_numbers, organizations;
    drop function if exists wa_status_rank(text);
  `.execute(db);
}
