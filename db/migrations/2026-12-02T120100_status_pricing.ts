import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * Every pricing and conversation field of a status gets a column (until now
 * only pricing.category and conversation.id had one; the rest was in the
 * payload), so spend can be estimated per message. Stored rows are filled
 * from their payload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table message_status_events
      add column pricing_model text,
      add column pricing_type text,
      add column billable boolean,
      add column conversation_origin text,
      add column conversation_expires_at timestamptz;
    update message_status_events set
      pricing_model = payload->'pricing'->>'pricing_model',
      pricing_type = payload->'pricing'->>'type',
      billable = case jsonb_typeof(payload->'pricing'->'billable')
        when 'boolean' then (payload->'pricing'->>'billable')::boolean end,
      conversation_origin = payload->'conversation'->'origin'->>'type',
      conversation_expires_at = case when payload->'conversation'->>'expiration_timestamp' ~ '^[0-9]{1,12}$'
        then to_timestamp((payload->'conversation'->>'expiration_timestamp')::bigint) end
    where payload ? 'pricing' or payload ? 'conversation';
    comment on column message_status_events.pricing_model is 'pricing.pricing_model: PMP (per-message pricing, since 2025-07-01) or CBP (conversation-based, before).';
    comment on column message_status_events.pricing_type is 'pricing.type: regular (charged), free_customer_service or free_entry_point (not charged).';
    comment on column message_status_events.billable is 'pricing.billable (deprecated by Meta; kept for CBP statuses).';
    comment on column message_status_events.conversation_origin is 'conversation.origin.type (marketing, utility, authentication, service, referral_conversion, ...).';
    comment on column message_status_events.conversation_expires_at is 'conversation.expiration_timestamp, when given.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table message_status_events
      drop column conversation_expires_at, drop column conversation_origin, drop column billable,
      drop column pricing_type, drop column pricing_model;
  `.execute(db);
}
