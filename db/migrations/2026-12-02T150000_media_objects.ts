import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Media archived to S3 before Meta forgets it: one row per media id of an
 * organization (a media id Meta sends twice is archived once), written
 * `pending` by the processor in the transaction that stores its message and
 * settled by the media archiver. Readable by the organization's analysts only.
 * `organizations.media_retention_days` says how long the organization keeps
 * its files (null: for good); the bucket's lifecycle rules match the object
 * tag the archiver derives from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table media_objects (
      id bigserial primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      message_id bigint references messages(id) on delete set null,
      wamid text not null,
      media_id text not null,
      media_type text not null check (media_type in ('image', 'video', 'audio', 'document', 'sticker')),
      mime_type text,
      bytes bigint,
      sha256 text,
      s3_key text,
      state text not null default 'pending' check (state in ('pending', 'stored', 'failed', 'expired')),
      reason text,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      stored_at timestamptz,
      unique (organization_id, media_id)
    );
    create index media_objects_pending_idx on media_objects (created_at) where state = 'pending';
    create index media_objects_wamid_idx on media_objects (wamid);
    create index media_objects_message_idx on media_objects (message_id);

    comment on table media_objects is 'Media of inbound messages (image, video, audio, document, sticker) archived to S3: one row per organization and media id, pending until the media archiver stores, fails or finds it expired.';
    comment on column media_objects.id is 'Surrogate key.';
    comment on column media_objects.organization_id is 'Organization that received the media.';
    comment on column media_objects.message_id is 'The inbound message (messages.id) that carried the media; null once that row is deleted.';
    comment on column media_objects.wamid is 'wamid of the message that carried the media.';
    comment on column media_objects.media_id is 'Meta''s media id (valid about 7 days after the message).';
    comment on column media_objects.media_type is 'image, video, audio (voice notes included), document or sticker.';
    comment on column media_objects.mime_type is 'MIME type: from the webhook, replaced by the one the download answered with.';
    comment on column media_objects.bytes is 'Size of the stored object in bytes; null until stored.';
    comment on column media_objects.sha256 is 'SHA-256 (hex) the webhook announced; the stored bytes hash to it.';
    comment on column media_objects.s3_key is 'Key of the object in the media bucket: media/<organization>/<yyyy>/<mm>/<dd>/<media id>; null until stored.';
    comment on column media_objects.state is 'pending (queued), stored (in S3), failed (see reason) or expired (Meta no longer has it).';
    comment on column media_objects.reason is 'Why the media failed or expired (or the last transient error while pending).';
    comment on column media_objects.attempts is 'Download attempts made so far.';
    comment on column media_objects.created_at is 'When the processor queued the media.';
    comment on column media_objects.updated_at is 'Last change of the row.';
    comment on column media_objects.stored_at is 'When the object was written to S3.';

    alter table organizations add column media_retention_days integer check (media_retention_days > 0);
    comment on column organizations.media_retention_days is 'Days archived media is kept (rounded up to 7, 30, 90, 365 or 1825 by the bucket''s lifecycle rules); null keeps it for good.';

    grant select on media_objects to waba_analyst;
    alter table media_objects enable row level security;
    create policy analyst_own_organization on media_objects for select to waba_analyst
      using (organization_id = (select waba_analyst_organization()));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists media_objects;
    alter table organizations drop column if exists media_retention_days;
  `.execute(db);
}
