import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * The two append-only tables that grow with traffic become partitioned by
 * month, so retention is a `drop table` instead of a long delete:
 *  - message_status_events by occurred_at (Meta's timestamp of the status);
 *  - webhook_events by received_month, the UTC month the receiver got the
 *    body. Its dedupe key becomes (body_sha256, received_month): a partitioned
 *    table's unique keys must contain the partition key, so a body redelivered
 *    by Meta in a later calendar month gets a second audit row. Every item in
 *    it is still deduplicated by its own key (wamid, status event, event key).
 * A default partition catches rows outside the prepared months, so an insert
 * never fails for want of a partition; creating a month's partition moves
 * that month's rows out of the default.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function waba_create_month_partition(parent regclass, month date) returns text
      language plpgsql as $$
    declare
      start_at date := date_trunc('month', month)::date;
      end_at date := (date_trunc('month', month) + interval '1 month')::date;
      parent_name text := (select relname from pg_class where oid = parent);
      part_name text := parent_name || '_' || to_char(start_at, 'YYYY_MM');
      key_col text;
      key_type text;
      lower_bound text;
      upper_bound text;
    begin
      if to_regclass(quote_ident(part_name)) is not null then
        return null;
      end if;
      select a.attname, format_type(a.atttypid, a.atttypmod) into key_col, key_type
        from pg_partitioned_table p
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
        where p.partrelid = parent;
      if key_type = 'date' then
        lower_bound := start_at::text;
        upper_bound := end_at::text;
      else
        lower_bound := start_at::text || ' 00:00:00+00';
        upper_bound := end_at::text || ' 00:00:00+00';
      end if;
      execute format('create table %I (like %I including defaults including constraints)',
        part_name, parent_name);
      execute format(
        'with moved as (delete from %I where %I >= %L and %I < %L returning *) insert into %I select * from moved',
        parent_name || '_default', key_col, lower_bound, key_col, upper_bound, part_name);
      execute format('alter table %I attach partition %I for values from (%L) to (%L)',
        parent_name, part_name, lower_bound, upper_bound);
      return part_name;
    end $$;

    -- Drops the month partitions that end on or before the cutoff, and deletes
    -- the default partition's rows older than it. Returns the dropped tables.
    create function waba_drop_month_partitions(parent regclass, cutoff date) returns setof text
      language plpgsql as $$
    declare
      parent_name text := (select relname from pg_class where oid = parent);
      part record;
      key_col text;
      key_type text;
      month date;
    begin
      select a.attname, format_type(a.atttypid, a.atttypmod) into key_col, key_type
        from pg_partitioned_table p
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
        where p.partrelid = parent;
      for part in
        select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = parent and c.relname ~ ('^' || parent_name || '_[0-9]{4}_[0-9]{2}$')
        order by c.relname
      loop
        month := to_date(right(part.relname, 7), 'YYYY_MM');
        if (month + interval '1 month')::date <= cutoff then
          execute format('drop table %I', part.relname);
          return next part.relname;
        end if;
      end loop;
      execute format('delete from %I where %I < %L', parent_name || '_default', key_col,
        cutoff::text || case when key_type = 'date' then '' else ' 00:00:00+00' end);
    end $$;

    create temp table status_events_copy on commit drop as select * from message_status_events;
    drop table message_status_events;
    create table message_status_events (
      id bigint generated always as identity,
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
      primary key (id, occurred_at),
      unique (wamid, status, occurred_at)
    ) partition by range (occurred_at);
    create index message_status_events_org_time_idx on message_status_events (organization_id, occurred_at);
    create table message_status_events_default partition of message_status_events default;
    insert into message_status_events overriding system value select * from status_events_copy;
    select setval(pg_get_serial_sequence('message_status_events', 'id'),
      coalesce((select max(id) from message_status_events), 0) + 1, false);

    create temp table webhook_events_copy on commit drop as select * from webhook_events;
    drop table webhook_events;
    create table webhook_events (
      id bigint generated always as identity,
      body_sha256 text not null,
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
      delivery_count integer not null default 1,
      received_month date not null,
      primary key (id, received_month),
      unique (body_sha256, received_month)
    ) partition by range (received_month);
    create index webhook_events_unrouted_idx on webhook_events (received_at) where outcome = 'unrouted';
    create index webhook_events_org_time_idx on webhook_events (organization_id, received_at);
    create table webhook_events_default partition of webhook_events default;
    insert into webhook_events overriding system value
      select c.*, date_trunc('month', c.received_at at time zone 'UTC')::date from webhook_events_copy c;
    select setval(pg_get_serial_sequence('webhook_events', 'id'),
      coalesce((select max(id) from webhook_events), 0) + 1, false);

    -- The current month and the next two are ready from the start, plus any
    -- month the existing rows fall in.
    select waba_create_month_partition('message_status_events', m)
      from (select generate_series(date_trunc('month', now() at time zone 'UTC') - interval '1 month',
                                   date_trunc('month', now() at time zone 'UTC') + interval '2 months',
                                   interval '1 month')::date as m
            union select distinct date_trunc('month', occurred_at at time zone 'UTC')::date
              from message_status_events) months;
    select waba_create_month_partition('webhook_events', m)
      from (select generate_series(date_trunc('month', now() at time zone 'UTC') - interval '1 month',
                                   date_trunc('month', now() at time zone 'UTC') + interval '2 months',
                                   interval '1 month')::date as m
            union select distinct received_month from webhook_events) months;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create temp table status_events_copy on commit drop as select * from message_status_events;
    drop table message_status_events;
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
    insert into message_status_events overriding system value select * from status_events_copy;

    create temp table webhook_events_copy on commit drop as select * from webhook_events;
    drop table webhook_events;
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
    -- A body kept in two months keeps its first row.
    insert into webhook_events overriding system value
      select distinct on (body_sha256) id, body_sha256, organization_id, app_id, sqs_message_id, fields,
        outcome, error, item_counts, raw_body, received_at, first_processed_at, last_processed_at,
        delivery_count
      from webhook_events_copy order by body_sha256, received_month;
    drop function if exists waba_drop_month_partitions(regclass, date);
    drop function if exists waba_create_month_partition(regclass, date);
  `.execute(db);
}
