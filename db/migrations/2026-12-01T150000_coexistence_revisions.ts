import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Coexistence (the number is also used in the WhatsApp Business app) and
 * message revisions.
 *
 * 1. `messages.source`: cloud_api (webhooks and sends of this pipeline),
 *    business_app (`smb_message_echoes`: sent from the app) or history (the
 *    app's history sync, with the messages' own direction and time).
 * 2. `messages.edited_at` / `deleted_at`: an edit replaces the body, a revoke
 *    clears it. `message_revisions` keeps every edit and revoke by its own
 *    wamid (pending until the original arrives, in any order) and the
 *    original body of an edited message; `message_versions` lists the bodies.
 * 3. `message_reactions`: the current reaction per message, customer and side.
 * 4. `contacts.address_book_name`: the name the business gave the contact in
 *    the app (`smb_app_state_sync`), kept apart from the WhatsApp profile name.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages
      add column source text not null default 'cloud_api'
        check (source in ('cloud_api', 'business_app', 'history')),
      add column edited_at timestamptz,
      add column deleted_at timestamptz;

    alter table contacts
      add column address_book_name text,
      add column address_book_updated_at timestamptz;

    create table message_revisions (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      wamid text not null,
      revision_wamid text not null,
      kind text not null check (kind in ('original', 'edit', 'revoke')),
      type text,
      body text,
      payload jsonb,
      source text not null check (source in ('cloud_api', 'business_app', 'history')),
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      unique (organization_id, kind, revision_wamid)
    );
    create index message_revisions_wamid_idx on message_revisions (organization_id, wamid);

    create view message_versions with (security_invoker = true) as
      select r.organization_id, r.wamid,
        row_number() over (partition by r.organization_id, r.wamid
          order by r.kind <> 'original', r.occurred_at, r.revision_wamid)::int as version,
        r.type, r.body, r.payload,
        case when r.kind = 'edit' then r.revision_wamid end as edit_wamid,
        r.occurred_at as edited_at
      from message_revisions r
      -- Applied versions only: an edit waiting for its message (or naming another
      -- organization's message) is in message_revisions alone.
      join messages m on m.wamid = r.wamid and m.organization_id = r.organization_id
      where r.kind in ('original', 'edit');

    create table message_reactions (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      wamid text not null,
      contact_wa_id text not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      emoji text not null,
      reaction_wamid text not null,
      reacted_at timestamptz not null,
      removed_at timestamptz,
      updated_at timestamptz not null default now(),
      unique (organization_id, wamid, contact_wa_id, direction)
    );

    grant select on message_revisions, message_versions, message_reactions to waba_analyst;
    alter table message_revisions enable row level security;
    create policy analyst_own_organization on message_revisions for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
    alter table message_reactions enable row level security;
    create policy analyst_own_organization on message_reactions for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));

    comment on column messages.source is
      'Where the message comes from: cloud_api (this pipeline''s webhooks and sends), business_app (sent from the WhatsApp Business app on the same number, smb_message_echoes) or history (the app''s history sync).';
    comment on column messages.edited_at is 'Time of the latest edit applied to body (the earlier bodies are in message_versions).';
    comment on column messages.deleted_at is 'When the sender deleted the message (revoke); body is cleared, the text stays only in the raw webhook body.';
    comment on column contacts.address_book_name is 'Name the business gave the contact in the WhatsApp Business app (smb_app_state_sync); null after a remove. Not the WhatsApp profile name.';
    comment on column contacts.address_book_updated_at is 'Time of the latest address-book sync applied to address_book_name.';

    comment on table message_revisions is
      'Edits and revokes of messages by their own wamid, kept even before the original arrives (applied when it does), plus the original body of an edited message (kind original). Bodies are cleared once the message is revoked.';
    comment on column message_revisions.id is 'Row id.';
    comment on column message_revisions.organization_id is 'Organization the message belongs to.';
    comment on column message_revisions.wamid is 'wamid of the message edited or revoked.';
    comment on column message_revisions.revision_wamid is 'wamid of the edit or revoke; for kind original, the message''s own wamid.';
    comment on column message_revisions.kind is 'original (the body before the first edit), edit or revoke.';
    comment on column message_revisions.type is 'Type of the edited content (text, image, …).';
    comment on column message_revisions.body is 'Text of that version (caption for media); null once revoked.';
    comment on column message_revisions.payload is 'The edit''s or original''s message object as received; null once revoked.';
    comment on column message_revisions.source is 'cloud_api (the customer edited) or business_app (edited in the app, an echo).';
    comment on column message_revisions.occurred_at is 'When Meta says the edit or revoke (or the original) happened.';
    comment on column message_revisions.received_at is 'When it was stored.';

    comment on view message_versions is 'Every body of stored edited messages, oldest first: version 1 is the original, then each edit; the current body is also in messages.body.';
    comment on column message_versions.organization_id is 'Organization the message belongs to.';
    comment on column message_versions.wamid is 'wamid of the message.';
    comment on column message_versions.version is '1 = the original body, then one per edit in time order.';
    comment on column message_versions.type is 'Type of that version.';
    comment on column message_versions.body is 'Text of that version; null once the message was revoked.';
    comment on column message_versions.payload is 'Message object of that version.';
    comment on column message_versions.edit_wamid is 'wamid of the edit that produced this version; null for the original.';
    comment on column message_versions.edited_at is 'When the version was written (the original''s send time for version 1).';

    comment on table message_reactions is
      'Current reaction per message, customer and side (inbound: the customer reacted; outbound: the business reacted in the app). Kept even before the message arrives; join messages on wamid.';
    comment on column message_reactions.id is 'Row id.';
    comment on column message_reactions.organization_id is 'Organization the message belongs to.';
    comment on column message_reactions.wamid is 'wamid of the message reacted to.';
    comment on column message_reactions.contact_wa_id is 'The customer of the conversation.';
    comment on column message_reactions.direction is 'inbound: the customer reacted; outbound: the business reacted (from the app).';
    comment on column message_reactions.emoji is 'The latest emoji; empty when the reaction was removed.';
    comment on column message_reactions.reaction_wamid is 'wamid of the latest reaction message.';
    comment on column message_reactions.reacted_at is 'Time of the latest reaction or removal applied.';
    comment on column message_reactions.removed_at is 'Set when the latest event removed the reaction (empty emoji).';
    comment on column message_reactions.updated_at is 'Last change.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists message_reactions;
    drop view if exists message_versions;
    drop table if exists message_revisions;
    alter table contacts drop column if exists address_book_name, drop column if exists address_book_updated_at;
    alter table messages drop column if exists source, drop column if exists edited_at,
      drop column if exists deleted_at;
  `.execute(db);
}
