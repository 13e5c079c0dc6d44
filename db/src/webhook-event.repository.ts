import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import type { WebhookEventRow, WebhookOutcome } from './webhook-event.table';

type Executor = Kysely<Database> | Transaction<Database>;

export function listWebhookEvents(
  db: Executor,
  options: { outcome?: WebhookOutcome | readonly WebhookOutcome[]; limit?: number } = {},
): Promise<WebhookEventRow[]> {
  let query = db.selectFrom('webhook_events').selectAll();
  const outcomes = options.outcome === undefined ? [] : [options.outcome].flat();
  if (outcomes.length) query = query.where('outcome', 'in', outcomes);
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
): Promise<Array<{ outcome: string; count: number; misroutedItems: number }>> {
  return db
    .selectFrom('webhook_events')
    .select((eb) => [
      'outcome',
      eb.fn.countAll<number>().as('count'),
      sql<number>`coalesce(sum((item_counts->>'misrouted')::int), 0)`.as('misroutedItems'),
    ])
    .groupBy('outcome')
    .orderBy('outcome')
    .execute();
}
