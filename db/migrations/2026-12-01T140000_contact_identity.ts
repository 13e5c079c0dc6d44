import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * A contact is a person, not a phone number.
 *
 * `contacts` gets an internal `id`; `wa_id` (phone) and `user_id` (Meta's
 * business-scoped user id, BSUID) are both optional, each unique per
 * organization, at least one present. Every row that named a customer by
 * phone number now references the contact: `messages`, `message_status_events`,
 * `campaign_audience`, `conversations` and `answer_attempts`. `messages` keeps
 * the addresses the message itself carried (`contact_wa_id`, now nullable, and
 * the new `contact_user_id`); conversations and answer attempts are keyed by the
 * contact only, so a re-keyed contact keeps its thread.
 *
 * Existing rows move without loss: a contact row is created for every phone
 * number some row names without one, then every row is pointed at its contact.
 * Where several contacts of an organization carried the same user_id (possible
 * before it was a key), the most recently seen keeps it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table contacts add column id bigint generated always as identity;
    alter table contacts drop constraint contacts_pkey;
    alter table contacts add primary key (id);
    alter table contacts alter column wa_id drop not null;
    alter table contacts add column parent_user_id text, add column username text;

    update contacts c set user_id = null
    where user_id is not null and exists (
      select from contacts d where d.organization_id = c.organization_id and d.user_id = c.user_id
        and (d.last_seen_at, d.wa_id) > (c.last_seen_at, c.wa_id));

    alter table contacts add constraint contacts_organization_wa_id_key unique (organization_id, wa_id);
    alter table contacts add constraint contacts_organization_user_id_key unique (organization_id, user_id);
    alter table contacts add constraint contacts_identity_check check (wa_id is not null or user_id is not null);

    -- Every phone number a row names gets a contact, seen when the row first was.
    insert into contacts (organization_id, wa_id, first_seen_at, last_seen_at)
    select organization_id, wa_id, min(seen), max(seen) from (
      select organization_id, contact_wa_id as wa_id, occurred_at as seen from messages
      union all
      select organization_id, recipient_id, occurred_at from message_status_events where recipient_id is not null
      union all
      select organization_id, wa_id, created_at from campaign_audience
      union all
      select organization_id, contact_wa_id, updated_at from conversations
      union all
      select organization_id, contact_wa_id, created_at from answer_attempts
    ) named
    group by organization_id, wa_id
    on conflict (organization_id, wa_id) do nothing;

    alter table messages
      add column contact_id bigint references contacts(id),
      add column contact_user_id text,
      alter column contact_wa_id drop not null;
    update messages m set contact_id = c.id from contacts c
      where c.organization_id = m.organization_id and c.wa_id = m.contact_wa_id;
    alter table messages alter column contact_id set not null;
    drop index messages_contact_history_idx;
    create index messages_contact_history_idx on messages (organization_id, contact_id, occurred_at);
    drop index messages_unanswered_idx;
    create index messages_unanswered_idx on messages (organization_id, phone_number_id, contact_id, occurred_at)
      where direction = 'inbound' and answer_attempt_id is null;

    alter table message_status_events add column contact_id bigint, add column recipient_user_id text;
    update message_status_events e set contact_id = c.id from contacts c
      where c.organization_id = e.organization_id and c.wa_id = e.recipient_id;
    create index message_status_events_contact_idx on message_status_events (contact_id) where contact_id is not null;

    alter table campaign_audience add column contact_id bigint references contacts(id);
    alter table campaigns add column template_category text;
    update campaign_audience a set contact_id = c.id from contacts c
      where c.organization_id = a.organization_id and c.wa_id = a.wa_id;
    create index campaign_audience_contact_idx on campaign_audience (contact_id) where contact_id is not null;

    alter table conversations add column contact_id bigint references contacts(id);
    update conversations v set contact_id = c.id from contacts c
      where c.organization_id = v.organization_id and c.wa_id = v.contact_wa_id;
    alter table conversations alter column contact_id set not null;
    alter table conversations drop constraint conversations_pkey;
    alter table conversations add primary key (organization_id, phone_number_id, contact_id);
    alter table conversations drop column contact_wa_id;

    alter table answer_attempts add column contact_id bigint references contacts(id);
    update answer_attempts a set contact_id = c.id from contacts c
      where c.organization_id = a.organization_id and c.wa_id = a.contact_wa_id;
    alter table answer_attempts alter column contact_id set not null;
    drop index answer_attempts_conversation_idx;
    drop index answer_attempts_unknown_idx;
    alter table answer_attempts drop column contact_wa_id;
    create index answer_attempts_conversation_idx
      on answer_attempts (organization_id, phone_number_id, contact_id, created_at);
    create index answer_attempts_unknown_idx
      on answer_attempts (organization_id, phone_number_id, contact_id, unknown_since)
      where state = 'unknown';

    create table contact_identity_changes (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      contact_id bigint not null references contacts(id),
      kind text not null,
      previous_wa_id text,
      wa_id text,
      previous_user_id text,
      user_id text,
      parent_user_id text,
      wamid text,
      occurred_at timestamptz not null,
      created_at timestamptz not null default now(),
      unique nulls not distinct (organization_id, kind, occurred_at, previous_wa_id, wa_id, previous_user_id, user_id, wamid)
    );
    create index contact_identity_changes_contact_idx on contact_identity_changes (contact_id, occurred_at);

    grant select on contact_identity_changes to waba_analyst;
    alter table contact_identity_changes enable row level security;
    create policy analyst_own_organization on contact_identity_changes for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));

    comment on table contacts is
      'Customers of an organization, one row per person: a phone number (wa_id), a business-scoped user id (user_id), or both once a payload links them.';
    comment on column contacts.id is 'Internal contact id: the thread key every message, status, audience row and conversation references.';
    comment on column contacts.wa_id is
      'Customer''s WhatsApp id (phone number, digits only); null for a user known only by username/BSUID.';
    comment on column contacts.user_id is
      'Meta''s business-scoped user id (BSUID, e.g. US.1349…); null for a user known only by phone number.';
    comment on column contacts.first_seen_at is 'Time of the first webhook item or send naming the customer.';
    comment on column contacts.last_seen_at is 'Time of the latest webhook item or send naming the customer.';
    comment on column contacts.parent_user_id is 'Parent business-scoped user id (shared by the businesses of one portfolio), when sent.';
    comment on column contacts.username is 'WhatsApp username (e.g. @name) from the latest profile that carried one.';
    comment on column messages.contact_id is 'The customer (contacts.id) this message was from or to: the thread key.';
    comment on column messages.contact_wa_id is
      'Customer''s phone number as the message carried it; null when only a business-scoped user id was sent.';
    comment on column messages.contact_user_id is 'Customer''s business-scoped user id as the message carried it, when sent.';
    comment on column message_status_events.contact_id is
      'The recipient (contacts.id), found by recipient_id or recipient_user_id; null when neither matched a contact.';
    comment on column message_status_events.recipient_user_id is 'Recipient''s business-scoped user id, when Meta sent it.';
    comment on column campaign_audience.contact_id is 'The recipient as a contact (contacts.id), once known.';
    comment on column campaign_audience.wa_id is
      'Recipient: a phone number, or a business-scoped user id (e.g. US.1349…) for a user known only by username, sent by recipient instead of to.';
    comment on column campaigns.template_category is
      'Meta''s category of the template (MARKETING, UTILITY, AUTHENTICATION), when given; an authentication template is never sent to a recipient without a phone number.';
    comment on column conversations.contact_id is 'The customer (contacts.id).';
    comment on column answer_attempts.contact_id is 'The customer answered (contacts.id).';
    comment on table contact_identity_changes is
      'One row per re-key of a contact: a new phone number (user_changed_number), a new business-scoped user id (user_changed_user_id, user_id_update), or two contacts found to be one person (merge).';
    comment on column contact_identity_changes.id is 'Row id.';
    comment on column contact_identity_changes.organization_id is 'Owning organization.';
    comment on column contact_identity_changes.contact_id is 'The contact after the change (contacts.id).';
    comment on column contact_identity_changes.kind is 'user_changed_number, user_changed_user_id, user_id_update or merge.';
    comment on column contact_identity_changes.previous_wa_id is 'Phone number before the change.';
    comment on column contact_identity_changes.wa_id is 'Phone number after the change.';
    comment on column contact_identity_changes.previous_user_id is 'Business-scoped user id before the change.';
    comment on column contact_identity_changes.user_id is 'Business-scoped user id after the change.';
    comment on column contact_identity_changes.parent_user_id is 'Parent business-scoped user id after the change, when sent.';
    comment on column contact_identity_changes.wamid is 'The system message that announced the change, if any.';
    comment on column contact_identity_changes.occurred_at is 'When Meta says the change happened.';
    comment on column contact_identity_changes.created_at is 'When the row was stored.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // A contact known only by user id has no phone number: its user id stands in,
  // so no row loses its customer on the way down.
  await sql`
    drop table contact_identity_changes;

    alter table answer_attempts add column contact_wa_id text;
    update answer_attempts a set contact_wa_id = coalesce(c.wa_id, c.user_id) from contacts c where c.id = a.contact_id;
    alter table answer_attempts alter column contact_wa_id set not null;
    drop index answer_attempts_conversation_idx;
    drop index answer_attempts_unknown_idx;
    alter table answer_attempts drop column contact_id;
    create index answer_attempts_conversation_idx
      on answer_attempts (organization_id, phone_number_id, contact_wa_id, created_at);
    create index answer_attempts_unknown_idx
      on answer_attempts (organization_id, phone_number_id, contact_wa_id, unknown_since)
      where state = 'unknown';

    alter table conversations add column contact_wa_id text;
    update conversations v set contact_wa_id = coalesce(c.wa_id, c.user_id) from contacts c where c.id = v.contact_id;
    alter table conversations drop constraint conversations_pkey;
    alter table conversations drop column contact_id;
    alter table conversations alter column contact_wa_id set not null;
    alter table conversations add primary key (organization_id, phone_number_id, contact_wa_id);

    alter table campaign_audience drop column contact_id;
    alter table campaigns drop column template_category;
    comment on column campaign_audience.wa_id is 'Recipient''s WhatsApp id.';
    alter table message_status_events drop column contact_id, drop column recipient_user_id;

    update messages m set contact_wa_id = coalesce(c.wa_id, c.user_id) from contacts c
      where c.id = m.contact_id and m.contact_wa_id is null;
    drop index messages_unanswered_idx;
    drop index messages_contact_history_idx;
    alter table messages drop column contact_id, drop column contact_user_id;
    alter table messages alter column contact_wa_id set not null;
    create index messages_contact_history_idx on messages (organization_id, contact_wa_id, occurred_at);
    create index messages_unanswered_idx on messages (organization_id, phone_number_id, contact_wa_id, occurred_at)
      where direction = 'inbound' and answer_attempt_id is null;

    alter table contacts drop constraint contacts_identity_check;
    alter table contacts drop constraint contacts_organization_user_id_key;
    alter table contacts drop constraint contacts_organization_wa_id_key;
    update contacts set wa_id = user_id where wa_id is null;
    alter table contacts drop column parent_user_id, drop column username;
    alter table contacts drop constraint contacts_pkey;
    alter table contacts drop column id;
    alter table contacts alter column wa_id set not null;
    alter table contacts add primary key (organization_id, wa_id);
    comment on table contacts is 'Customers who wrote to an organization, one row per WhatsApp user.';
    comment on column contacts.wa_id is 'Customer''s WhatsApp id (phone number in international format, digits only).';
    comment on column messages.contact_wa_id is 'Customer''s WhatsApp id.';
  `.execute(db);
}
