import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Answer attempts whose send may or may not have reached Meta (timeout or
 * reset after the request left, 5xx without Meta's error envelope): they are
 * `unknown`, settled by the status webhook that carries their tag, or re-sent
 * once after a grace period (`resending` while that re-send is claimed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table answer_attempts drop constraint answer_attempts_state_check;
    alter table answer_attempts add constraint answer_attempts_state_check
      check (state in ('sending', 'sent', 'failed', 'skipped', 'unknown', 'resending'));
    alter table answer_attempts
      add column reply_parts jsonb,
      add column unknown_part integer,
      add column unknown_since timestamptz,
      add column status_part integer,
      add column status_wamid text,
      add column resend_claimed_at timestamptz;
    create index answer_attempts_unknown_idx
      on answer_attempts (organization_id, phone_number_id, contact_wa_id, unknown_since)
      where state = 'unknown';

    comment on column answer_attempts.state is
      'sending, sent, failed, skipped; unknown: a send may have reached Meta, waiting for its status; resending: the one re-send after the grace period is under way.';
    comment on column answer_attempts.reply_parts is
      'The reply as planned (text and interactive parts), kept when a send outcome is unknown so the re-send repeats it.';
    comment on column answer_attempts.unknown_part is
      'Index (0-based) in reply_parts of the part whose send outcome is unknown; the parts before it were sent.';
    comment on column answer_attempts.unknown_since is
      'When the send outcome became unknown; the re-send waits a grace period from here.';
    comment on column answer_attempts.status_part is
      'Highest part index a status webhook tagged answer:<id>:<part> was seen for (it proves Meta took that part).';
    comment on column answer_attempts.status_wamid is
      'wamid of the status webhook that proved status_part was sent.';
    comment on column answer_attempts.resend_claimed_at is
      'When the one re-send of an unknown attempt was claimed; set once, so it never happens twice.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update answer_attempts set state = 'failed', finished_at = coalesce(finished_at, now())
      where state in ('unknown', 'resending');
    drop index if exists answer_attempts_unknown_idx;
    alter table answer_attempts
      drop column if exists reply_parts,
      drop column if exists unknown_part,
      drop column if exists unknown_since,
      drop column if exists status_part,
      drop column if exists status_wamid,
      drop column if exists resend_claimed_at;
    alter table answer_attempts drop constraint answer_attempts_state_check;
    alter table answer_attempts add constraint answer_attempts_state_check
      check (state in ('sending', 'sent', 'failed', 'skipped'));
    comment on column answer_attempts.state is 'sending, sent, failed or skipped.';
  `.execute(db);
}
