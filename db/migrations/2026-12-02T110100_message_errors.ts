import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

const ERROR_CODE_BEFORE = 'Meta error code of the failure (e.g. 131026 undeliverable).';
const ERROR_TITLE_BEFORE = "Meta error title, or the sender's reason.";

/**
 * Inbound messages keep the errors[] Meta attaches to them (an `unsupported`
 * message carries code 131051 "Message type unknown"): all of them in
 * `messages.errors`, the first one's code and title in error_code and
 * error_title, where a DBA already looks for failures. Existing rows are
 * filled from their stored payload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages add column errors jsonb;
    comment on column messages.errors is 'Inbound: the errors[] Meta attached to the message itself (e.g. 131051 for an unsupported message type), as sent; null when none.';
    comment on column messages.error_code is 'Outbound: Meta error code of the failure (e.g. 131026 undeliverable). Inbound: code of the first of the message''s own errors[] (e.g. 131051 unsupported message type).';
    comment on column messages.error_title is 'Outbound: Meta error title, or the sender''s reason. Inbound: title of the first of the message''s own errors[].';
    update messages set errors = payload->'errors',
      error_code = coalesce(error_code, case when payload->'errors'->0->>'code' ~ '^[0-9]{1,9}$'
        then (payload->'errors'->0->>'code')::int end),
      error_title = coalesce(error_title, payload->'errors'->0->>'title')
    where direction = 'inbound' and jsonb_typeof(payload->'errors') = 'array'
      and jsonb_array_length(payload->'errors') > 0;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update messages set error_code = null, error_title = null
    where direction = 'inbound' and errors is not null;
    alter table messages drop column errors;
    comment on column messages.error_code is ${sql.lit(ERROR_CODE_BEFORE)};
    comment on column messages.error_title is ${sql.lit(ERROR_TITLE_BEFORE)};
  `.execute(db);
}
