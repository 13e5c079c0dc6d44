import { listWebhookEvents, type WebhookOutcome } from '@waba/db';
import { processWebhooks, type ProcessorDeps } from './process-webhooks';

export interface ReplayResult {
  replayed: number;
  nowProcessed: number;
  stillUnrouted: number;
  stillMisrouted: number;
  /** Rows still `partial` (some item still fails validation) or `rejected` after the replay. */
  stillPartial: number;
  stillRejected: number;
  failed: string[];
}

export interface ReplayOptions {
  /** Which audit rows to re-run (default: `unrouted`). */
  outcomes?: readonly WebhookOutcome[];
  /** Only rows received at or after this time. */
  since?: Date;
  limit?: number;
}

/**
 * Runs stored audit rows through today's processor again, from their raw
 * body and the app that signed it (the stored app_id: the tenancy rule is
 * the live one, so a misrouted body stays misrouted unless the binding
 * changed). For `unrouted` rows after their organization was registered,
 * `misrouted` ones after a number was bound to its app, and `partial` or
 * `rejected` ones after an upgrade that reads what was dropped. Idempotent:
 * every write is keyed (wamid, event key, upserts), so rows already stored
 * are not duplicated; the audit row's outcome is updated.
 */
export async function replayWebhooks(
  deps: ProcessorDeps,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const rows = await listWebhookEvents(deps.db, {
    outcome: options.outcomes ?? ['unrouted'],
    since: options.since,
    limit: options.limit ?? 1000,
  });
  const result: ReplayResult = {
    replayed: rows.length,
    nowProcessed: 0,
    stillUnrouted: 0,
    stillMisrouted: 0,
    stillPartial: 0,
    stillRejected: 0,
    failed: [],
  };
  if (rows.length === 0) return result;
  const { failed } = await processWebhooks(
    rows.map((r) => ({
      id: String(r.id),
      sqsMessageId: r.sqs_message_id,
      raw: r.raw_body,
      appId: r.app_id,
      receivedAt: r.received_at,
    })),
    deps,
  );
  const after = await deps.db
    .selectFrom('webhook_events')
    .select(['outcome'])
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  const count = (outcome: WebhookOutcome) => after.filter((r) => r.outcome === outcome).length;
  return {
    ...result,
    nowProcessed: count('processed'),
    stillUnrouted: count('unrouted'),
    stillMisrouted: count('misrouted'),
    stillPartial: count('partial'),
    stillRejected: count('rejected'),
    failed,
  };
}

/**
 * Runs `unrouted` audit rows (and, with `misrouted: true`, `misrouted` ones)
 * through the processor again: {@link replayWebhooks} for those outcomes.
 */
export function replayUnrouted(
  deps: ProcessorDeps,
  options: { limit?: number; misrouted?: boolean } = {},
): Promise<ReplayResult> {
  return replayWebhooks(deps, {
    outcomes: options.misrouted ? ['unrouted', 'misrouted'] : ['unrouted'],
    limit: options.limit,
  });
}
