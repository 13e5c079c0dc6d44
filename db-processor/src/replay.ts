import { listWebhookEvents } from '@waba/db';
import { processWebhooks, type ProcessorDeps } from './process-webhooks';

export interface ReplayResult {
  replayed: number;
  nowProcessed: number;
  stillUnrouted: number;
  failed: string[];
}

/**
 * Runs `unrouted` audit rows through the processor again, from their stored
 * raw payload (after their organization was registered). Idempotent: rows
 * already stored are not duplicated, and the audit row's outcome is updated.
 */
export async function replayUnrouted(
  deps: ProcessorDeps,
  options: { limit?: number } = {},
): Promise<ReplayResult> {
  const rows = await listWebhookEvents(deps.db, {
    outcome: 'unrouted',
    limit: options.limit ?? 1000,
  });
  if (rows.length === 0) return { replayed: 0, nowProcessed: 0, stillUnrouted: 0, failed: [] };
  const result = await processWebhooks(
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
  return {
    replayed: rows.length,
    nowProcessed: after.filter((r) => r.outcome === 'processed').length,
    stillUnrouted: after.filter((r) => r.outcome === 'unrouted').length,
    failed: result.failed,
  };
}
