import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import type { WebhookEventRow, WebhookOutcome } from './webhook-event.table';

type Executor = Kysely<Database> | Transaction<Database>;

export function listWebhookEvents(
  db: Executor,
  options: {
    outcome?: WebhookOutcome | readonly WebhookOutcome[];
    /** Only rows received at or after this time. */
    since?: Date;
    limit?: number;
  } = {},
): Promise<WebhookEventRow[]> {
  let query = db.selectFrom('webhook_events').selectAll();
  const outcomes = options.outcome === undefined ? [] : [options.outcome].flat();
  if (outcomes.length) query = query.where('outcome', 'in', outcomes);
  if (options.since) query = query.where('received_at', '>=', options.since);
  return query
    .orderBy('received_at')
    .orderBy('id')
    .limit(options.limit ?? 1000)
    .execute();
}

/**
 * Audit rows per outcome, and how many items they hold that were not applied
 * because the signing app is not bound to their number (or they named another
 * organization's message): the figures `webhooks stats` prints.
 */
export function countWebhookEventsByOutcome(
  db: Executor,
): Promise<
  Array<{ outcome: string; count: number; misroutedItems: number; unknownFieldItems: number }>
> {
  return db
    .selectFrom('webhook_events')
    .select((eb) => [
      'outcome',
      eb.fn.countAll<number>().as('count'),
      sql<number>`coalesce(sum((item_counts->>'misrouted')::int), 0)::int`.as('misroutedItems'),
      // Changes of fields nobody knows yet: kept as jsonb in account_events.
      sql<number>`coalesce(sum((item_counts->>'unknownFields')::int), 0)::int`.as(
        'unknownFieldItems',
      ),
    ])
    .groupBy('outcome')
    .orderBy('outcome')
    .execute();
}

/** What an audit row says about one webhook: its outcome and counts, never its payload. */
export interface WebhookAuditSummary {
  outcome: WebhookOutcome;
  error: string | null;
  fields: string[];
  itemCounts: Record<string, number>;
  receivedAt: Date;
  lastProcessedAt: Date;
  deliveryCount: number;
}

/**
 * The audit row of a body by the SHA-256 (hex) of its raw bytes, as the
 * receiver computed it; the latest when the same body arrived in several
 * months (the dedupe key is per month). Undefined until the processor stored it.
 */
export async function findWebhookEventBySha256(
  db: Executor,
  bodySha256: string,
): Promise<WebhookAuditSummary | undefined> {
  const row = await db
    .selectFrom('webhook_events')
    .select([
      'outcome',
      'error',
      'fields',
      'item_counts',
      'received_at',
      'last_processed_at',
      'delivery_count',
    ])
    .where('body_sha256', '=', bodySha256)
    .orderBy('received_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    outcome: row.outcome,
    error: row.error,
    fields: row.fields,
    itemCounts: row.item_counts,
    receivedAt: row.received_at,
    lastProcessedAt: row.last_processed_at,
    deliveryCount: row.delivery_count,
  };
}
