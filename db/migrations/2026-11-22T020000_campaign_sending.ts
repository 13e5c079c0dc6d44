import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table campaigns
      add column template_components jsonb not null default '[]'::jsonb,
      add column rate_per_second integer check (rate_per_second between 1 and 1000),
      add column started_at timestamptz,
      add column paused_at timestamptz,
      add column completed_at timestamptz,
      add column cancelled_at timestamptz,
      add column last_error text,
      add constraint campaigns_status_check
        check (status in ('draft', 'sending', 'paused', 'cancelled', 'completed')),
      add constraint campaigns_id_organization_key unique (id, organization_id);

    -- An audience row belongs to its campaign's organization, never another's.
    alter table campaign_audience
      add column line_number integer,
      add column source text not null default 'import' check (source in ('import', 'external')),
      add column attempts integer not null default 0,
      add column next_attempt_at timestamptz,
      add column claimed_at timestamptz,
      add column accepted_at timestamptz,
      add column last_error text,
      drop constraint campaign_audience_campaign_id_fkey,
      add constraint campaign_audience_campaign_organization_fkey
        foreign key (campaign_id, organization_id) references campaigns (id, organization_id)
        on delete cascade;
    drop index campaign_audience_status_idx;
    create index campaign_audience_status_idx on campaign_audience (campaign_id, status, line_number);
    create index campaign_audience_organization_idx on campaign_audience (organization_id, campaign_id);
    create index campaign_audience_wa_id_idx on campaign_audience (organization_id, wa_id);

    -- Per business number: the next free send slot. Senders reserve slots with
    -- one update, so any number of senders together keep the number's rate.
    create table send_rate_slots (
      phone_number_id text primary key references phone_numbers(phone_number_id) on delete cascade,
      next_slot_at timestamptz not null default now()
    );

    create view campaign_stats with (security_invoker = true) as
      select c.id as campaign_id, c.organization_id, c.name, c.template_name, c.template_language,
        c.status as campaign_status, c.started_at, c.completed_at,
        count(a.wa_id) as targeted,
        count(*) filter (where a.status in ('pending', 'sending')) as pending,
        count(a.wamid) as accepted,
        count(a.sent_at) as sent,
        count(a.delivered_at) as delivered,
        count(a.read_at) as read,
        count(*) filter (where a.status = 'failed') as failed,
        count(*) filter (where a.status = 'unknown') as unknown
      from campaigns c
      left join campaign_audience a on a.campaign_id = c.id
      group by c.id;

    create view campaign_daily_stats with (security_invoker = true) as
      select a.campaign_id, a.organization_id, (t.at at time zone 'UTC')::date as day,
        count(*) filter (where t.kind = 'sent') as sent,
        count(*) filter (where t.kind = 'delivered') as delivered,
        count(*) filter (where t.kind = 'read') as read,
        count(*) filter (where t.kind = 'failed') as failed
      from campaign_audience a
      cross join lateral (values
        ('sent', a.sent_at), ('delivered', a.delivered_at), ('read', a.read_at), ('failed', a.failed_at)
      ) as t(kind, at)
      where t.at is not null
      group by a.campaign_id, a.organization_id, (t.at at time zone 'UTC')::date;

    create view campaign_failure_reasons with (security_invoker = true) as
      select campaign_id, organization_id, error_code, min(error_title) as error_title,
        count(*) as recipients
      from campaign_audience
      where status = 'failed'
      group by campaign_id, organization_id, error_code;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop view if exists campaign_failure_reasons, campaign_daily_stats, campaign_stats;
    drop table if exists send_rate_slots;
    drop index if exists campaign_audience_wa_id_idx, campaign_audience_organization_idx;
    drop index if exists campaign_audience_status_idx;
    create index campaign_audience_status_idx on campaign_audience (campaign_id, status);
    alter table campaign_audience
      drop constraint if exists campaign_audience_campaign_organization_fkey,
      add constraint campaign_audience_campaign_id_fkey
        foreign key (campaign_id) references campaigns (id) on delete cascade,
      drop column if exists last_error, drop column if exists accepted_at,
      drop column if exists claimed_at, drop column if exists next_attempt_at,
      drop column if exists attempts, drop column if exists source,
      drop column if exists line_number;
    alter table campaigns
      drop constraint if exists campaigns_id_organization_key,
      drop constraint if exists campaigns_status_check,
      drop column if exists last_error, drop column if exists cancelled_at,
      drop column if exists completed_at, drop column if exists paused_at,
      drop column if exists started_at, drop column if exists rate_per_second,
      drop column if exists template_components;
  `.execute(db);
}
