import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database';
import type { WebhookEventRow, WebhookOutcome } from './webhook-event.table';

type Executor = Kysely<Database> | Transaction<Database>;

export function listWebhookEvents(
  db: Executor,
  options: { outcome?: WebhookOutcome; limit?: number } = {},
): Promise<WebhookEventRow[]> {
  let query = db.selectFrom('webhook_events').selectAll();
  if (options.outcome) query = query.where('outcome', '=', options.outcome);
  return query
    .orderBy('received_at')
    .orderBy('id')
    .limit(options.limit ?? 1000)
    .execute();
}

export function countWebhookEventsByOutcome(
  db: Executor,
): Promise<Array<{ outcome: string; count: number }>> {
  return db
    .selectFrom('webhook_events')
    .select(['outcome', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('outcome')
    .orderBy('outcome')
    .execute();
}
