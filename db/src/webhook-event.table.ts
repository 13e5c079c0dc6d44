import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type WebhookOutcome = 'processed' | 'unrouted' | 'rejected';

export interface WebhookEventsTable {
  id: Generated<number>;
  body_sha256: string;
  organization_id: string | null;
  app_id: string | null;
  sqs_message_id: string | null;
  fields: ColumnType<string[], string[] | undefined, string[]>;
  outcome: WebhookOutcome;
  error: string | null;
  item_counts: ColumnType<
    Record<string, number>,
    Record<string, number> | undefined,
    Record<string, number>
  >;
  /** The body exactly as Meta sent it (its escaped JSON text), so it can be replayed. */
  raw_body: string;
  received_at: ColumnType<Date, Date | string, never>;
  first_processed_at: ColumnType<Date, Date | string | undefined, never>;
  last_processed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  delivery_count: ColumnType<number, number | undefined, number>;
  /** UTC month of received_at: the partition key, and part of the dedupe key. */
  received_month: ColumnType<Date, Date | string, never>;
}
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type NewWebhookEvent = Insertable<WebhookEventsTable>;

export interface AccountEventsTable {
  id: Generated<number>;
  organization_id: string;
  waba_id: string;
  field: string;
  event_key: string;
  event: string | null;
  value: unknown;
  occurred_at: ColumnType<Date, Date | string, never>;
  received_at: ColumnType<Date, Date | string | undefined, never>;
}
export type AccountEventRow = Selectable<AccountEventsTable>;
