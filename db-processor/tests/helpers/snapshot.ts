import { sql } from 'kysely';
import type { Db } from '@waba/db';

// Columns that record when or how often we processed, not what Meta said.
const VOLATILE = new Set([
  'id',
  'created_at',
  'updated_at',
  'received_at',
  'first_processed_at',
  'last_processed_at',
  'delivery_count',
  'sqs_message_id',
]);

const TABLES: Record<string, string> = {
  contacts: 'organization_id, wa_id',
  messages: 'wamid',
  message_status_events: 'wamid, status, occurred_at',
  campaign_audience: 'campaign_id, wa_id',
  account_events: 'event_key',
  webhook_events: 'body_sha256',
};

/** Every row of every ingest table, ordered by its natural key, without volatile columns. */
export async function snapshotTables(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db);
    out[table] = rows.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !VOLATILE.has(k))),
    );
  }
  return out;
}
