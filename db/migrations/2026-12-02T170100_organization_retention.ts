import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Retention per organization, enforced daily by the maintenance function
 * beside the partition drops: rows past it inside a kept partition are
 * redacted (texts and payloads cleared), so counts stay. Null keeps them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table organizations
      add column message_retention_days integer check (message_retention_days > 0),
      add column raw_body_retention_days integer check (raw_body_retention_days > 0),
      add column status_event_retention_days integer check (status_event_retention_days > 0);

    comment on column organizations.message_retention_days is 'Days message texts and payloads are kept (messages, message_revisions); older ones are redacted by the maintenance function. Null: kept. Set with: npm run cli -- org retention.';
    comment on column organizations.raw_body_retention_days is 'Days raw webhook bodies of the organization (webhook_events it alone owns, webhook_event_extracts) are kept before the maintenance function empties them. Null: until their partition is dropped.';
    comment on column organizations.status_event_retention_days is 'Days status payloads and recipients are kept in message_status_events before the maintenance function redacts them (the status and pricing stay). Null: until their partition is dropped.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table organizations
      drop column if exists message_retention_days,
      drop column if exists raw_body_retention_days,
      drop column if exists status_event_retention_days`.execute(db);
}
