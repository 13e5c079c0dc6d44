import type { CampaignAudienceRow } from '@waba/db';
import { toCsv } from './csv-output';

/** The columns of a campaign's per-recipient export (CLI `--csv`, API `recipients.csv`). */
export const RECIPIENT_COLUMNS = [
  'line',
  'wa_id',
  'status',
  'wamid',
  'accepted_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
  'error_code',
  'error_title',
  'attempts',
  'source',
  'next_attempt_at',
] as const;

/** One recipient's values in RECIPIENT_COLUMNS order. */
export function recipientRow(r: CampaignAudienceRow): unknown[] {
  return [
    r.line_number,
    r.wa_id,
    r.status,
    r.wamid,
    r.accepted_at,
    r.sent_at,
    r.delivered_at,
    r.read_at,
    r.failed_at,
    r.error_code,
    r.error_title ?? r.last_error,
    r.attempts,
    r.source,
    r.next_attempt_at,
  ];
}

/** Every recipient as CSV: the fixed columns, then one per template parameter any row has. */
export function recipientsCsv(rows: readonly CampaignAudienceRow[]): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys((r.parameters ?? {}) as object)))];
  return toCsv(
    [...RECIPIENT_COLUMNS, ...names],
    rows.map((r) => [
      ...recipientRow(r),
      ...names.map((n) => (r.parameters as Record<string, unknown>)[n]),
    ]),
  );
}
