import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';

type Executor = Kysely<Database> | Transaction<Database>;

/** An organization's retention, in days; null keeps the rows (until their partition is dropped). */
export interface OrganizationRetention {
  messageDays: number | null;
  rawBodyDays: number | null;
  statusEventDays: number | null;
  /** Archived media (`org set --media-retention-days`): enforced by the bucket's lifecycle rules, not here. */
  mediaDays: number | null;
}

/** Rows redacted by one run, per table. */
export type RetentionReport = Record<
  | 'messages'
  | 'message_revisions'
  | 'webhook_events'
  | 'webhook_event_extracts'
  | 'message_status_events',
  number
>;

const count = async (db: Executor, statement: ReturnType<typeof sql>) =>
  Number((await statement.execute(db)).numAffectedRows ?? 0);

/**
 * Redacts, for every organization with a retention, the rows past it inside
 * kept partitions: message texts and payloads, raw bodies the organization
 * alone owns and its reduced bodies, status payloads and recipients. Counts,
 * statuses and pricing stay, so reports and campaign totals do not change.
 * A shared raw body (several organizations) waits for its partition drop.
 * Each statement touches only rows not yet redacted: a rerun is a no-op.
 */
export async function enforceRetention(
  db: Executor,
  now: Date = new Date(),
): Promise<RetentionReport> {
  const before = (col: string) =>
    sql`${now}::timestamptz - make_interval(days => o.${sql.ref(col)})`;
  return {
    messages: await count(
      db,
      sql`update messages m set body = null, payload = null, errors = null, updated_at = ${now}
        from organizations o where m.organization_id = o.id and o.message_retention_days is not null
          and m.occurred_at < ${before('message_retention_days')}
          and (m.body is not null or m.payload is not null or m.errors is not null)`,
    ),
    message_revisions: await count(
      db,
      sql`update message_revisions r set body = null, payload = null
        from organizations o where r.organization_id = o.id and o.message_retention_days is not null
          and r.occurred_at < ${before('message_retention_days')}
          and (r.body is not null or r.payload is not null)`,
    ),
    webhook_events: await count(
      db,
      sql`update webhook_events w set raw_body = '{}'
        from organizations o where w.organization_id = o.id and o.raw_body_retention_days is not null
          and w.received_at < ${before('raw_body_retention_days')} and w.raw_body <> '{}'`,
    ),
    webhook_event_extracts: await count(
      db,
      sql`update webhook_event_extracts x set body = '{}'::jsonb
        from organizations o where x.organization_id = o.id and o.raw_body_retention_days is not null
          and x.received_at < ${before('raw_body_retention_days')} and x.body <> '{}'::jsonb`,
    ),
    message_status_events: await count(
      db,
      sql`update message_status_events e set payload = '{}'::jsonb, recipient_id = null,
          recipient_user_id = null
        from organizations o where e.organization_id = o.id and o.status_event_retention_days is not null
          and e.occurred_at < ${before('status_event_retention_days')}
          and (e.payload <> '{}'::jsonb or e.recipient_id is not null or e.recipient_user_id is not null)`,
    ),
  };
}

/** The retention an organization has set. */
export async function organizationRetention(
  db: Executor,
  organizationId: string,
): Promise<OrganizationRetention> {
  const o = await db
    .selectFrom('organizations')
    .select([
      'message_retention_days',
      'raw_body_retention_days',
      'status_event_retention_days',
      'media_retention_days',
    ])
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return {
    messageDays: o.message_retention_days,
    rawBodyDays: o.raw_body_retention_days,
    statusEventDays: o.status_event_retention_days,
    mediaDays: o.media_retention_days,
  };
}

/** Sets the given parts of an organization's retention (null: keep the rows). */
export async function setOrganizationRetention(
  db: Executor,
  organizationId: string,
  retention: Partial<Omit<OrganizationRetention, 'mediaDays'>>,
): Promise<OrganizationRetention> {
  const set: Record<string, number | null> = {};
  if (retention.messageDays !== undefined) set.message_retention_days = retention.messageDays;
  if (retention.rawBodyDays !== undefined) set.raw_body_retention_days = retention.rawBodyDays;
  if (retention.statusEventDays !== undefined)
    set.status_event_retention_days = retention.statusEventDays;
  if (Object.keys(set).length > 0)
    await db
      .updateTable('organizations')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', organizationId)
      .execute();
  return organizationRetention(db, organizationId);
}
