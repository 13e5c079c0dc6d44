import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/** Indexes for the cookbook's bot questions (docs/queries.md). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Bot answers of an organization over time (response times, volumes).
    create index answer_attempts_organization_time_idx on answer_attempts (organization_id, created_at);
    -- The messages an attempt answered; also keeps "on delete set null" from scanning messages.
    create index messages_answer_attempt_idx on messages (answer_attempt_id) where answer_attempt_id is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists messages_answer_attempt_idx;
    drop index if exists answer_attempts_organization_time_idx;
  `.execute(db);
}
