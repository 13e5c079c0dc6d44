import { sql, type Kysely, type Transaction } from 'kysely';
import type { MediaJob } from '@waba/whatsapp';
import type { Database } from './database';
import { dedupe } from './dedupe';
import type { MediaObjectRow } from './media-object.table';
import { text, unnestRows, uuid } from './unnest-insert';

type Executor = Kysely<Database> | Transaction<Database>;

/** The columns a media job is made of. */
type JobColumns = Pick<
  MediaObjectRow,
  'organization_id' | 'message_id' | 'wamid' | 'media_id' | 'media_type' | 'mime_type' | 'sha256'
>;

/** A media item of an inbound message as the processor stores it. */
export type PendingMediaInput = Omit<MediaJob, 'messageId'>;

/**
 * Records the media items of a batch as `pending` (one statement, in the
 * processor's transaction) and returns the jobs to queue: the new rows and
 * those still pending from an earlier delivery (whose job may have been
 * lost). A media id already stored, failed or expired is not queued again.
 */
export async function insertPendingMedia(
  db: Executor,
  batch: readonly PendingMediaInput[],
): Promise<MediaJob[]> {
  if (batch.length === 0) return [];
  // ON CONFLICT may not touch a row twice in one statement: the first message naming an id wins.
  const items = dedupe(
    batch,
    (i) => `${i.organizationId}|${i.mediaId}`,
    (a) => a,
  );
  const { rows } = await sql<JobColumns>`
    insert into media_objects (organization_id, message_id, wamid, media_id, media_type, mime_type, sha256)
    select t.organization_id, m.id, t.wamid, t.media_id, t.media_type, t.mime_type, t.sha256
    from ${unnestRows('media_objects', {
      organization_id: uuid(items.map((i) => i.organizationId)),
      wamid: text(items.map((i) => i.wamid)),
      media_id: text(items.map((i) => i.mediaId)),
      media_type: text(items.map((i) => i.mediaType)),
      mime_type: text(items.map((i) => i.mimeType)),
      sha256: text(items.map((i) => i.sha256)),
    })}
    left join messages m on m.wamid = t.wamid and m.organization_id = t.organization_id
    on conflict (organization_id, media_id) do update set updated_at = media_objects.updated_at
      where media_objects.state = 'pending'
    returning organization_id, message_id, wamid, media_id, media_type, mime_type, sha256
  `.execute(db);
  return rows.map(jobOfRow);
}

function jobOfRow(r: JobColumns): MediaJob {
  return {
    organizationId: r.organization_id,
    messageId: r.message_id,
    wamid: r.wamid,
    mediaId: r.media_id,
    mediaType: r.media_type,
    mimeType: r.mime_type,
    sha256: r.sha256,
  };
}

/** The media row of a job with its organization's retention, for the archiver. */
export interface MediaAttempt {
  row: MediaObjectRow;
  retentionDays: number | null;
  /** When the message was sent (its row's occurred_at), else when the row was created. */
  messageAt: Date;
}

/**
 * Counts one download attempt of a media id and returns its row, creating
 * the row when the job arrived without one (a job from an older processor or
 * from an operator). Null when the organization does not exist.
 */
export async function beginMediaAttempt(db: Executor, job: MediaJob): Promise<MediaAttempt | null> {
  const org = await db
    .selectFrom('organizations')
    .select('media_retention_days')
    .where('id', '=', job.organizationId)
    .executeTakeFirst();
  if (!org) return null;
  const row = await db
    .insertInto('media_objects')
    .values({
      organization_id: job.organizationId,
      message_id: job.messageId,
      wamid: job.wamid,
      media_id: job.mediaId,
      media_type: job.mediaType,
      mime_type: job.mimeType,
      sha256: job.sha256,
      attempts: 1,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'media_id']).doUpdateSet((eb) => ({
        attempts: sql<number>`case when media_objects.state = 'pending' then media_objects.attempts + 1 else media_objects.attempts end`,
        updated_at: sql<Date>`case when media_objects.state = 'pending' then now() else media_objects.updated_at end`,
        sha256: eb.fn.coalesce('media_objects.sha256', 'excluded.sha256'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  const message =
    row.message_id === null
      ? undefined
      : await db
          .selectFrom('messages')
          .select('occurred_at')
          .where('id', '=', row.message_id)
          .executeTakeFirst();
  return {
    row,
    retentionDays: org.media_retention_days,
    messageAt: message?.occurred_at ?? row.created_at,
  };
}

/** Marks a media id stored, unless another attempt stored it first (then false). */
export async function markMediaStored(
  db: Executor,
  id: number,
  stored: { s3Key: string; bytes: number; mimeType: string | null; sha256: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('media_objects')
    .set({
      state: 'stored',
      s3_key: stored.s3Key,
      bytes: stored.bytes,
      mime_type: stored.mimeType,
      sha256: stored.sha256,
      reason: null,
      stored_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends a pending media id as failed or expired, with the reason. */
export async function markMediaSettled(
  db: Executor,
  id: number,
  state: 'failed' | 'expired',
  reason: string,
): Promise<void> {
  await db
    .updateTable('media_objects')
    .set({ state, reason, updated_at: new Date() })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** Notes why a pending media id will be retried (it stays pending). */
export async function noteMediaRetry(db: Executor, id: number, reason: string): Promise<void> {
  await db
    .updateTable('media_objects')
    .set({ reason, updated_at: new Date() })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/**
 * Pending media ids not touched for `olderThanSeconds`: their job may be
 * lost (a send that failed after commit, a message dead-lettered). Oldest
 * first; touching them restarts their clock, so the next sweep skips them
 * until the threshold passes again.
 */
export async function takeStalePendingMedia(
  db: Executor,
  olderThanSeconds: number,
  limit: number,
): Promise<MediaJob[]> {
  const { rows } = await sql<JobColumns>`
    update media_objects set updated_at = now()
    where id in (
      select id from media_objects
      where state = 'pending' and updated_at < now() - make_interval(secs => ${olderThanSeconds})
      order by created_at
      limit ${limit}
      for update skip locked
    )
    returning organization_id, message_id, wamid, media_id, media_type, mime_type, sha256
  `.execute(db);
  return rows.map(jobOfRow);
}

/** Age in seconds of the oldest pending media id (0 when none is pending). */
export async function oldestPendingMediaAgeSeconds(db: Executor): Promise<number> {
  const { rows } = await sql<{ age: number | null }>`
    select extract(epoch from now() - min(created_at))::float8 as age
    from media_objects where state = 'pending'
  `.execute(db);
  return Math.max(0, Math.floor(rows[0]?.age ?? 0));
}

/** The media objects of a message (by wamid), oldest first. */
export async function mediaOfMessage(db: Executor, wamid: string): Promise<MediaObjectRow[]> {
  return db
    .selectFrom('media_objects')
    .selectAll()
    .where('wamid', '=', wamid)
    .orderBy('id')
    .execute();
}

/**
 * Whether one of the organization's messages `wamids` has media still
 * `pending` that was recorded after `since` (the answer worker waits for it).
 */
export async function hasPendingMediaSince(
  db: Executor,
  organizationId: string,
  wamids: readonly string[],
  since: Date,
): Promise<boolean> {
  if (wamids.length === 0) return false;
  const row = await db
    .selectFrom('media_objects')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('wamid', 'in', wamids)
    .where('state', '=', 'pending')
    .where('created_at', '>', since)
    .executeTakeFirst();
  return row !== undefined;
}

/** The organization's `stored` media of type `mediaType` of the messages `wamids`. */
export async function storedMediaOf(
  db: Executor,
  organizationId: string,
  wamids: readonly string[],
  mediaType: MediaObjectRow['media_type'],
): Promise<Array<Pick<MediaObjectRow, 'wamid' | 'mime_type' | 'bytes' | 's3_key'>>> {
  if (wamids.length === 0) return [];
  return db
    .selectFrom('media_objects')
    .select(['wamid', 'mime_type', 'bytes', 's3_key'])
    .where('organization_id', '=', organizationId)
    .where('wamid', 'in', wamids)
    .where('media_type', '=', mediaType)
    .where('state', '=', 'stored')
    .execute();
}

/** Sets how many days an organization keeps its archived media (null: for good). */
export async function setMediaRetentionDays(
  db: Executor,
  organizationId: string,
  days: number | null,
): Promise<boolean> {
  const result = await db
    .updateTable('organizations')
    .set({ media_retention_days: days, updated_at: new Date() })
    .where('id', '=', organizationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
