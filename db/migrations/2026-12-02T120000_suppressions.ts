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
    count(*) filter (where a.status = 'unknown') as unknown`;

const KINDS_BEFORE = ['answer', 'handoff', 'rate-limit', 'unsupported', 'allowed-numbers'];
const KINDS_AFTER = [...KINDS_BEFORE, 'opt-out', 'opt-in'];

async function replaceKindCheck(db: Kysely<unknown>, kinds: string[]): Promise<void> {
  await sql`alter table answer_attempts drop constraint answer_attempts_kind_check,
    add constraint answer_attempts_kind_check
      check (kind in (${sql.join(kinds.map((k) => sql.lit(k)))}))`.execute(db);
}

/**
 * Opt-outs: a per-organization suppression list (one row per suppressed
 * contact, with where the opt-out came from), the STOP / START keywords an
 * organization sets per language with their confirmation replies, the
 * answer-attempt kinds of those replies, and `suppressed` in campaign_stats.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table suppressions (
      organization_id uuid not null references organizations(id) on delete cascade,
      wa_id text not null,
      source text not null check (source in ('user_preferences', 'keyword', 'csv_import', 'operator')),
      detail text,
      suppressed_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (organization_id, wa_id)
    );

    create table opt_out_keywords (
      organization_id uuid not null references organizations(id) on delete cascade,
      language text not null,
      action text not null check (action in ('stop', 'start')),
      keywords text[] not null check (cardinality(keywords) between 1 and 100),
      reply text not null check (length(btrim(reply)) > 0 and length(reply) <= 4096),
      updated_at timestamptz not null default now(),
      primary key (organization_id, language, action)
    );

    create or replace view campaign_stats with (security_invoker = true) as
      ${STATS_BEFORE},
        count(*) filter (where a.status = 'suppressed') as suppressed
      from campaigns c
      left join campaign_audience a on a.campaign_id = c.id
      group by c.id;

    comment on table suppressions is 'Per-organization suppression list: contacts that opted out of marketing. The campaign sender never sends a marketing template to them (their audience row becomes suppressed). Removing the row (a resume, START, or the CLI) lifts the suppression.';
    comment on column suppressions.organization_id is 'Organization the contact opted out of.';
    comment on column suppressions.wa_id is 'The contact as campaigns address it: phone wa_id, or business-scoped user id (BSUID) for a username-only user.';
    comment on column suppressions.source is 'Where the opt-out came from: user_preferences (Meta webhook, marketing stop), keyword (a STOP keyword in an inbound message), csv_import or operator (CLI).';
    comment on column suppressions.detail is 'Free text of the source: the keyword, Meta''s detail, the CSV file''s reason column.';
    comment on column suppressions.suppressed_at is 'When the contact opted out (a resume older than this does not lift it).';
    comment on column suppressions.created_at is 'When the row was first stored.';
    comment on column suppressions.updated_at is 'When the row last changed.';

    comment on table opt_out_keywords is 'Per organization and language: the keywords that opt a contact out (stop) or back in (start), and the confirmation the answer worker sends instead of a bot answer. Languages without a row use the built-in defaults. Set with: npm run cli -- optout set.';
    comment on column opt_out_keywords.organization_id is 'Organization the keywords belong to.';
    comment on column opt_out_keywords.language is 'Language code of the keywords and reply (en, es, pt, ...).';
    comment on column opt_out_keywords.action is 'stop (opt out of marketing) or start (opt back in).';
    comment on column opt_out_keywords.keywords is 'Whole-message keywords, matched case- and accent-insensitively.';
    comment on column opt_out_keywords.reply is 'Confirmation sent when one of the keywords matches.';
    comment on column opt_out_keywords.updated_at is 'When the row last changed.';

    comment on column campaign_stats.suppressed is 'Recipients not sent to because they are on the organization''s suppression list (marketing opt-out).';
    comment on column answer_attempts.kind is
      'answer: the agent answers; handoff, rate-limit, unsupported, allowed-numbers: the guardrail that skipped the messages or sent its notice; opt-out, opt-in: a STOP / START keyword was recorded and confirmed.';

    grant select on suppressions, opt_out_keywords to waba_analyst;
    alter table suppressions enable row level security;
    create policy analyst_own_organization on suppressions for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
    alter table opt_out_keywords enable row level security;
    create policy analyst_own_organization on opt_out_keywords for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
  await replaceKindCheck(db, KINDS_AFTER);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Dropping the view drops its grant and comments: keep them to put back.
  const { rows: comments } = await sql<{ column: string | null; text: string }>`
    select null as column, obj_description('campaign_stats'::regclass, 'pg_class') as text
    union all
    select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a
    where a.attrelid = 'campaign_stats'::regclass and a.attnum > 0 and a.attname <> 'suppressed'`.execute(
    db,
  );
  await sql`
    delete from answer_attempts where kind in ('opt-out', 'opt-in');
    drop view campaign_stats;
    create view campaign_stats with (security_invoker = true) as
      ${STATS_BEFORE}
      from campaigns c
      left join campaign_audience a on a.campaign_id = c.id
      group by c.id;
    drop table if exists opt_out_keywords, suppressions;
    update campaign_audience set status = 'pending' where status = 'suppressed';
    comment on column answer_attempts.kind is
      'answer: the agent answers; handoff, rate-limit, unsupported, allowed-numbers: the guardrail that skipped the messages or sent its notice.';
    grant select on campaign_stats to waba_analyst;
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
  await replaceKindCheck(db, KINDS_BEFORE);
}
