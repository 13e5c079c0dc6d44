import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * The HTTP API's access: keys, rate windows, idempotency records, and the
 * `waba_api` role every organization-scoped request runs as.
 *
 * An organization's request runs in one transaction that does
 * `set local role waba_api` and `set_config('waba.api_organization', <id>, true)`.
 * Row-level security then limits every table with an organization_id (and
 * `organizations` itself) to that organization, for reads and writes alike:
 * a query that forgets its `where organization_id = …` sees and changes
 * nothing of another organization. Unlike the analyst role, the setting is
 * chosen by the API's own code, never by the caller, so a setting is safe
 * here; it is transaction-local, so a pooled connection never carries it on.
 *
 * The tables are enumerated from the catalog as they are now; every later
 * table with an organization_id needs its own grant and policy (a test
 * checks that none is missing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = 'waba_api') then
        create role waba_api nologin;
      end if;
    end $$;
    -- The application's login may switch to it (set role needs membership).
    grant waba_api to current_user;
    grant usage on schema public to waba_api;
    grant usage, select on all sequences in schema public to waba_api;

    create function waba_api_organization() returns uuid
      language sql stable
      as $$ select nullif(current_setting('waba.api_organization', true), '')::uuid $$;
    revoke all on function waba_api_organization() from public;
    grant execute on function waba_api_organization() to waba_api;

    grant select, update on organizations to waba_api;
    create policy api_own_organization on organizations for all to waba_api
      using (id = (select waba_api_organization()))
      with check (id = (select waba_api_organization()));
  `.execute(db);

  const { rows } = await sql<{ table_name: string }>`
    select c.table_name from information_schema.columns c
    join pg_class r on r.relname = c.table_name and r.relnamespace = 'public'::regnamespace
    where c.table_schema = 'public' and c.column_name = 'organization_id'
      and r.relkind in ('r', 'p') and not r.relispartition
    order by 1`.execute(db);
  for (const { table_name: table } of rows) {
    await sql`
      alter table ${sql.table(table)} enable row level security;
      grant select, insert, update, delete on ${sql.table(table)} to waba_api;
      create policy api_own_organization on ${sql.table(table)} for all to waba_api
        using (organization_id = (select waba_api_organization()))
        with check (organization_id = (select waba_api_organization()));
    `.execute(db);
  }
  // Views compute over the tables above with the caller's rights (all are security_invoker).
  const views = await sql<{ relname: string }>`
    select relname from pg_class
    where relnamespace = 'public'::regnamespace and relkind = 'v'
      and coalesce(reloptions::text[] @> array['security_invoker=true'], false)
    order by 1`.execute(db);
  for (const { relname } of views.rows)
    await sql`grant select on ${sql.table(relname)} to waba_api`.execute(db);

  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid references organizations (id) on delete cascade,
      scope text not null check (scope in ('read', 'write', 'platform')),
      name text not null,
      key_prefix text not null,
      key_hash bytea not null unique,
      rate_limit_per_minute integer not null default 600 check (rate_limit_per_minute > 0),
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      check ((scope = 'platform') = (organization_id is null))
    );
    create index api_keys_organization on api_keys (organization_id, created_at);
    -- Keys are the operator's: an organization's request never reads them, an analyst neither.
    alter table api_keys enable row level security;
    create policy analyst_no_keys on api_keys for select to waba_analyst using (false);
    create policy api_no_keys on api_keys for all to waba_api using (false);

    create unlogged table api_rate_windows (
      api_key_id uuid not null references api_keys (id) on delete cascade,
      window_start timestamptz not null,
      requests integer not null,
      primary key (api_key_id, window_start)
    );

    create table api_idempotency (
      api_key_id uuid not null references api_keys (id) on delete cascade,
      idempotency_key text not null,
      organization_id uuid references organizations (id) on delete cascade,
      request_hash bytea not null,
      status_code integer,
      content_type text,
      response_body text,
      created_at timestamptz not null default now(),
      primary key (api_key_id, idempotency_key)
    );
    create index api_idempotency_created on api_idempotency (created_at);
    alter table api_idempotency enable row level security;
    create policy analyst_no_idempotency on api_idempotency for select to waba_analyst using (false);
    grant select, insert, update, delete on api_idempotency to waba_api;
    create policy api_own_organization on api_idempotency for all to waba_api
      using (organization_id = (select waba_api_organization()))
      with check (organization_id = (select waba_api_organization()));

    comment on table api_keys is 'HTTP API keys: one organization (scope read or write) or the platform (scope platform). Only a SHA-256 of the key is kept; the key is shown once when created.';
    comment on column api_keys.id is 'Key id (shown by api-key list; used to revoke).';
    comment on column api_keys.organization_id is 'The organization the key acts for; null for a platform key.';
    comment on column api_keys.scope is 'read: GET routes of its organization; write: every route of its organization; platform: organizations, phone numbers, webhook audit and DLQs.';
    comment on column api_keys.name is 'What the key is for, as given when it was created.';
    comment on column api_keys.key_prefix is 'The first characters of the key, to recognise it in lists and logs.';
    comment on column api_keys.key_hash is 'SHA-256 of the whole key (keys are 256-bit random, so a fast hash is enough).';
    comment on column api_keys.rate_limit_per_minute is 'Requests a minute the key may make; more get 429.';
    comment on column api_keys.created_at is 'When the key was created.';
    comment on column api_keys.last_used_at is 'Last authenticated request (updated at most once a minute).';
    comment on column api_keys.revoked_at is 'When the key was revoked; a revoked key gets 401.';

    comment on table api_rate_windows is 'Requests per API key and minute (unlogged: lost on a crash, which only forgives a minute).';
    comment on column api_rate_windows.api_key_id is 'The key.';
    comment on column api_rate_windows.window_start is 'The minute counted.';
    comment on column api_rate_windows.requests is 'Requests made in that minute.';

    comment on table api_idempotency is 'Responses of POST requests sent with an Idempotency-Key, kept 24 hours: a retry with the same key and body gets the stored response, with another body a 422.';
    comment on column api_idempotency.api_key_id is 'The key that made the request (keys are per client, so idempotency keys are scoped by it).';
    comment on column api_idempotency.idempotency_key is 'The Idempotency-Key header as sent.';
    comment on column api_idempotency.organization_id is 'The organization of the key; null for a platform key.';
    comment on column api_idempotency.request_hash is 'SHA-256 of method, path and body of the first request.';
    comment on column api_idempotency.status_code is 'HTTP status of the stored response.';
    comment on column api_idempotency.content_type is 'Content-Type of the stored response.';
    comment on column api_idempotency.response_body is 'Body of the stored response.';
    comment on column api_idempotency.created_at is 'When the first request was made.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists api_idempotency, api_rate_windows, api_keys`.execute(db);
  const { rows } = await sql<{ tablename: string }>`
    select tablename from pg_policies where schemaname = 'public' and policyname = 'api_own_organization'`.execute(
    db,
  );
  for (const { tablename } of rows)
    await sql`drop policy api_own_organization on ${sql.table(tablename)}`.execute(db);
  await sql`
    revoke all on all tables in schema public from waba_api;
    revoke all on all sequences in schema public from waba_api;
    revoke usage on schema public from waba_api;
    drop function if exists waba_api_organization();
    revoke waba_api from current_user;
  `.execute(db);
}
