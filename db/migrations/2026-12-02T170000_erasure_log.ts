import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * The record that a customer's data was erased (contact erase): when, by
 * whom, in which organization and how many rows of which kind, never an
 * identifier or a text of the person. Analysts of the organization read it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table erasure_log (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      erased_at timestamptz not null default now(),
      erased_by text not null check (length(btrim(erased_by)) > 0),
      kinds text[] not null,
      row_counts jsonb not null
    );
    create index erasure_log_org_time_idx on erasure_log (organization_id, erased_at);

    comment on table erasure_log is 'One row per erasure of a customer (npm run cli -- contact erase): when, by whom, the organization and how many rows of which kind were erased or redacted; never the customer''s data (docs/privacy.md).';
    comment on column erasure_log.id is 'Row id.';
    comment on column erasure_log.organization_id is 'Organization whose customer was erased.';
    comment on column erasure_log.erased_at is 'When the erasure was committed.';
    comment on column erasure_log.erased_by is 'Who asked for it (the operator or ticket given with --by).';
    comment on column erasure_log.kinds is 'Kinds of data erased or redacted (contact, message, status_event, webhook_event, ...).';
    comment on column erasure_log.row_counts is 'Rows erased or redacted per kind (JSON object of counts).';

    grant select on erasure_log to waba_analyst;
    alter table erasure_log enable row level security;
    create policy analyst_own_organization on erasure_log for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists erasure_log`.execute(db);
}
