import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * processed; partial (some items failed validation: replayable after an
 * upgrade that reads them); unrouted (no organization owns some of its numbers: replayable);
 * misrouted (items signed by an app their number is not bound to, or statuses
 * naming another organization's message: not applied); rejected (unparseable).
 */
/** What became of one webhook (the audit row's `outcome`). */
export const WEBHOOK_OUTCOMES = [
  'processed',
  'partial',
  'unrouted',
  'misrouted',
  'rejected',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export interface WebhookEventsTable {
  id: Generated<number>;
  body_sha256: string;
  organization_id: string | null;
  /** The app that signed the body; part of the dedupe key. */
  app_id: ColumnType<string, string | undefined, string>;
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

/** What one organization's extract of a body can say about it. */
export type WebhookExtractOutcome = Extract<WebhookOutcome, 'processed' | 'misrouted'>;

/** One organization's view of a webhook body: only its own entries and changes. */
export interface WebhookEventExtractsTable {
  id: Generated<number>;
  organization_id: string;
  body_sha256: string;
  app_id: string;
  fields: ColumnType<string[], string[] | undefined, string[]>;
  outcome: WebhookExtractOutcome;
  error: string | null;
  item_counts: ColumnType<
    Record<string, number>,
    Record<string, number> | undefined,
    Record<string, number>
  >;
  body: unknown;
  received_at: ColumnType<Date, Date | string, never>;
  first_processed_at: ColumnType<Date, Date | string | undefined, never>;
  last_processed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  received_month: ColumnType<Date, Date | string, never>;
}
export type WebhookEventExtractRow = Selectable<WebhookEventExtractsTable>;

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
