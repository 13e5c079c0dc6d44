import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/** Tables whose rows belong to one organization through organization_id. */
const ORGANIZATION_TABLES = [
  'phone_numbers',
  'contacts',
  'campaigns',
  'campaign_audience',
  'messages',
  'message_status_events',
  'account_events',
  'webhook_events',
  'agent_configs',
  'knowledge_entries',
  'conversations',
  'answer_attempts',
];
const VIEWS = ['campaign_stats', 'campaign_daily_stats', 'campaign_failure_reasons'];

/**
 * Read-only access for analysts, one organization per login role.
 *
 * `waba_analyst` is a NOLOGIN group role holding SELECT on the organization
 * tables and the report views. Each analyst login is a member of it and is
 * bound to one organization in `analyst_bindings`; row-level security
 * policies, for the group role only, show a session the rows of its bound
 * organization and nothing else. The binding is looked up by `current_user`
 * (an analyst reads its own binding row and no other), so a session cannot
 * choose its organization: a setting could be changed by the analyst, its
 * login role cannot.
 *
 * The pipeline's own role owns the tables and is not subject to these
 * policies (RLS is enabled, not forced), so ingestion pays nothing for them.
 * Partitions get no grants: analysts read through the parent table, where
 * the policies apply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = 'waba_analyst') then
        create role waba_analyst nologin;
      end if;
    end $$;

    create table analyst_bindings (
      role_name text primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      created_at timestamptz not null default now()
    );

    -- An analyst sees its own binding row only.
    alter table analyst_bindings enable row level security;
    grant select on analyst_bindings to waba_analyst;
    create policy analyst_own_binding on analyst_bindings for select to waba_analyst
      using (role_name = current_user);

    -- Invoker's rights on purpose: current_user is the analyst's role here.
    create function waba_analyst_organization() returns uuid
      language sql stable set search_path = public, pg_temp as $$
        select organization_id from analyst_bindings where role_name = current_user
      $$;
    revoke all on function waba_analyst_organization() from public;
    grant execute on function waba_analyst_organization() to waba_analyst;

    grant usage on schema public to waba_analyst;
    grant select on organizations to waba_analyst;
    alter table organizations enable row level security;
    create policy analyst_own_organization on organizations for select to waba_analyst
      using (id = (select waba_analyst_organization()));
  `.execute(db);
  for (const table of ORGANIZATION_TABLES) {
    await sql`
      grant select on ${sql.table(table)} to waba_analyst;
      alter table ${sql.table(table)} enable row level security;
      create policy analyst_own_organization on ${sql.table(table)} for select to waba_analyst
        using (organization_id = (select waba_analyst_organization()));
    `.execute(db);
  }
  for (const view of VIEWS)
    await sql`grant select on ${sql.table(view)} to waba_analyst`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const view of VIEWS)
    await sql`revoke select on ${sql.table(view)} from waba_analyst`.execute(db);
  for (const table of [...ORGANIZATION_TABLES, 'organizations']) {
    await sql`
      drop policy if exists analyst_own_organization on ${sql.table(table)};
      alter table ${sql.table(table)} disable row level security;
      revoke select on ${sql.table(table)} from waba_analyst;
    `.execute(db);
  }
  // The role is cluster-wide and may serve other databases: it stays.
  await sql`
    revoke usage on schema public from waba_analyst;
    drop function if exists waba_analyst_organization();
    drop table if exists analyst_bindings;
  `.execute(db);
}
