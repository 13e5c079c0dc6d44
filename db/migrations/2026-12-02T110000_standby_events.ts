import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * A typed home for the `standby` field: what happens in a conversation that
 * another sender on the number (Meta Business Agent) handles while this app
 * only listens. One row per item of `value.standby` (messages, message
 * echoes, statuses), organization-scoped and readable by the organization's
 * analysts only. The change value stays in account_events as for every field.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table standby_events (
      id bigserial primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      phone_number_id text,
      waba_id text not null,
      kind text not null check (kind in ('message', 'message_echo', 'status')),
      wamid text not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      contact_wa_id text,
      contact_user_id text,
      type text,
      body text,
      status text,
      payload jsonb not null,
      event_key text not null unique,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now()
    );
    create index standby_events_org_time_idx on standby_events (organization_id, occurred_at);
    create index standby_events_wamid_idx on standby_events (wamid);
    create index standby_events_contact_idx
      on standby_events (organization_id, coalesce(contact_wa_id, contact_user_id), occurred_at);

    comment on table standby_events is 'The standby field: activity in conversations another sender on the number (Meta Business Agent) handles while this app listens. One row per item: the customer''s messages, the other sender''s messages (echoes) and their statuses. Never answered by the bot.';
    comment on column standby_events.id is 'Surrogate key.';
    comment on column standby_events.organization_id is 'Organization owning the number.';
    comment on column standby_events.phone_number_id is 'Business number of the conversation (metadata.phone_number_id).';
    comment on column standby_events.waba_id is 'WhatsApp Business Account (entry.id).';
    comment on column standby_events.kind is 'message (from the customer), message_echo (sent by the other sender) or status (of a message the other sender sent).';
    comment on column standby_events.wamid is 'The message''s wamid (for a status: the message it is about).';
    comment on column standby_events.direction is 'inbound for customer messages, outbound for echoes and statuses.';
    comment on column standby_events.contact_wa_id is 'The customer''s phone wa_id (from, to or recipient_id), when given.';
    comment on column standby_events.contact_user_id is 'The customer''s business-scoped user id (from_user_id, to_user_id or recipient_user_id), when given.';
    comment on column standby_events.type is 'Message type (text, image, ...); null for statuses.';
    comment on column standby_events.body is 'Text or caption of a message; null for statuses and media without caption.';
    comment on column standby_events.status is 'Status (sent, delivered, read, failed) of a status item; null otherwise.';
    comment on column standby_events.payload is 'The item as Meta sent it.';
    comment on column standby_events.event_key is 'Stable identity of the item: a redelivery or a replay is a no-op.';
    comment on column standby_events.occurred_at is 'When it happened (item timestamp, else entry.time or receipt).';
    comment on column standby_events.received_at is 'When it was stored.';

    grant select on standby_events to waba_analyst;
    alter table standby_events enable row level security;
    create policy analyst_own_organization on standby_events for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists standby_events`.execute(db);
}
