import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

const STATS_BEFORE = sql`
  select c.id as campaign_id, c.organization_id, c.name, c.template_name, c.template_language,
    c.status as campaign_status, c.started_at, c.completed_at,
    count(a.wa_id) as targeted,
    count(*) filter (where a.status in ('pending', 'sending')) as pending,
    count(a.wamid) as accepted,
    count(a.sent_at) as sent,
    count(a.delivered_at) as delivered,
    count(a.read_at) as read,
    count(*) filter (where a.status = 'failed') as failed,
    count(*) filter (where a.status = 'unknown') as unknown,
    count(*) filter (where a.status = 'suppressed') as suppressed`;

/**
 * Meta's refusals and messaging limits, for campaigns:
 *
 * - campaigns.retry_marketing_limit: recipients refused with 131049 (the
 *   per-user marketing limit) are sent again, no earlier than 24 h later;
 * - sending_limits: what the operator sets per business number (its 24-hour
 *   unique-recipient limit, its throughput);
 * - messaging_window_recipients: who each WABA sent a template to in the
 *   last 24 hours, the count the messaging limit is checked against;
 * - campaign_stats gains limit_deferred and skipped; campaign_outcome_reasons
 *   lists every recipient not sent or not delivered by state and reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table campaigns add column retry_marketing_limit boolean not null default false;
    comment on column campaigns.retry_marketing_limit is 'Recipients Meta refused with 131049 (per-user marketing limit) are sent again by the sender, no earlier than 24 hours after the refusal; false: they stay limit-deferred until campaign retry-failed.';

    create table sending_limits (
      phone_number_id text primary key references phone_numbers(phone_number_id) on delete cascade,
      organization_id uuid not null references organizations(id) on delete cascade,
      unique_recipients_per_day integer check (unique_recipients_per_day > 0),
      messages_per_second numeric(6, 2) check (messages_per_second between 1 and 1000),
      updated_at timestamptz not null default now()
    );
    comment on table sending_limits is 'Limits the operator sets per business number (npm run cli -- limits set). They win over what webhooks reported (phone_number_limits, business_capabilities) when lower.';
    comment on column sending_limits.phone_number_id is 'The business number.';
    comment on column sending_limits.organization_id is 'Organization owning the number.';
    comment on column sending_limits.unique_recipients_per_day is 'Business-initiated (template) messages to at most this many unique recipients in any 24 hours; null: only the limits Meta reported.';
    comment on column sending_limits.messages_per_second is 'Throughput of the number (Meta: 80 by default, up to 1,000); a campaign''s own rate wins; null: the sender''s default.';
    comment on column sending_limits.updated_at is 'When the row last changed.';

    create table messaging_window_recipients (
      organization_id uuid not null references organizations(id) on delete cascade,
      waba_id text not null,
      recipient text not null,
      first_sent_at timestamptz not null,
      primary key (organization_id, waba_id, recipient)
    );
    create index messaging_window_recipients_window_idx
      on messaging_window_recipients (organization_id, waba_id, first_sent_at);
    comment on table messaging_window_recipients is 'Who each WABA''s numbers sent a campaign template to, with the start of the recipient''s current 24-hour window: the unique-recipient count the messaging limit is checked against. Rows older than 24 hours no longer count and are pruned.';
    comment on column messaging_window_recipients.organization_id is 'Organization owning the WABA.';
    comment on column messaging_window_recipients.waba_id is 'WhatsApp Business Account whose numbers share the limit.';
    comment on column messaging_window_recipients.recipient is 'The recipient: wa_id, or business-scoped user id.';
    comment on column messaging_window_recipients.first_sent_at is 'First send to the recipient in its current 24-hour window.';

    create or replace view campaign_stats with (security_invoker = true) as
      ${STATS_BEFORE},
        count(*) filter (where a.status = 'limit-deferred') as limit_deferred,
        count(*) filter (where a.status = 'skipped') as skipped
      from campaigns c
      left join campaign_audience a on a.campaign_id = c.id
      group by c.id;
    comment on column campaign_stats.limit_deferred is 'Recipients held back by a limit: Meta''s per-user marketing limit (131049), or the number''s 24-hour messaging limit (carried over to the next window).';
    comment on column campaign_stats.skipped is 'Recipients not sent to by rule, with the reason in campaign_outcome_reasons (e.g. a marketing template to a +1 number).';

    create view campaign_outcome_reasons with (security_invoker = true) as
      select campaign_id, organization_id, status, error_code,
        min(coalesce(error_title, last_error)) as reason,
        count(*) as recipients,
        min(next_attempt_at) as next_attempt_at
      from campaign_audience
      where status in ('failed', 'limit-deferred', 'skipped', 'suppressed', 'unknown')
      group by campaign_id, organization_id, status, error_code;
    comment on view campaign_outcome_reasons is 'Recipients of each campaign not sent or not delivered, by state and Meta error code, with the reason.';
    comment on column campaign_outcome_reasons.campaign_id is 'Campaign.';
    comment on column campaign_outcome_reasons.organization_id is 'Organization of the campaign.';
    comment on column campaign_outcome_reasons.status is 'failed, limit-deferred, skipped, suppressed or unknown.';
    comment on column campaign_outcome_reasons.error_code is 'Meta error code, when Meta gave one.';
    comment on column campaign_outcome_reasons.reason is 'Meta''s error title, or the sender''s reason.';
    comment on column campaign_outcome_reasons.recipients is 'Recipients in this state for this code.';
    comment on column campaign_outcome_reasons.next_attempt_at is 'Earliest time one of them is sent again automatically; null: not automatically.';

    grant select on sending_limits, messaging_window_recipients, campaign_outcome_reasons to waba_analyst;
    alter table sending_limits enable row level security;
    create policy analyst_own_organization on sending_limits for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
    alter table messaging_window_recipients enable row level security;
    create policy analyst_own_organization on messaging_window_recipients for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Dropping the view drops its grant and comments: keep them to put back.
  const { rows: comments } = await sql<{ column: string | null; text: string }>`
    select null as column, obj_description('campaign_stats'::regclass, 'pg_class') as text
    union all
    select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a
    where a.attrelid = 'campaign_stats'::regclass and a.attnum > 0
      and a.attname not in ('limit_deferred', 'skipped')`.execute(db);
  await sql`
    drop view campaign_outcome_reasons;
    drop view campaign_stats;
    create view campaign_stats with (security_invoker = true) as
      ${STATS_BEFORE}
      from campaigns c
      left join campaign_audience a on a.campaign_id = c.id
      group by c.id;
    grant select on campaign_stats to waba_analyst;
    update campaign_audience set status = 'failed' where status = 'limit-deferred';
    update campaign_audience set status = 'pending' where status = 'skipped';
    drop table if exists messaging_window_recipients, sending_limits;
    alter table campaigns drop column retry_marketing_limit;
  `.execute(db);
  for (const c of comments) {
    if (c.text === null) continue;
    if (c.column === null)
      await sql`comment on view campaign_stats is ${sql.lit(c.text)}`.execute(db);
    else
      await sql`comment on column ${sql.ref(`campaign_stats.${c.column}`)} is ${sql.lit(c.text)}`.execute(
        db,
      );
  }
}
