import { listWebhookEvents, type WebhookOutcome } from '@waba/db';
import { processWebhooks, type ProcessorDeps } from './process-webhooks';

export interface ReplayResult {
  replayed: number;
  nowProcessed: number;
  stillUnrouted: number;
  stillMisrouted: number;
  failed: string[];
}

/**
 * Runs `unrouted` audit rows (and, with `misrouted: true`, `misrouted` ones)
 * through the processor again, from their stored raw payload and the app that
 * signed it: after their organization was registered, or a number was bound
 * to its app. The routing rule is the live one, so a misrouted body stays
 * misrouted unless the binding changed. Idempotent: rows already stored are
 * not duplicated, and the audit row's outcome is updated.
 */
export async function replayUnrouted(
  deps: ProcessorDeps,
  options: { limit?: number; misrouted?: boolean } = {},
): Promise<ReplayResult> {
  const rows = await listWebhookEvents(deps.db, {
    outcome: options.misrouted ? ['unrouted', 'misrouted'] : 'unrouted',
    limit: options.limit ?? 1000,
  });
  if (rows.length === 0)
    return { replayed: 0, nowProcessed: 0, stillUnrouted: 0, stillMisrouted: 0, failed: [] };
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
  const count = (outcome: WebhookOutcome) => after.filter((r) => r.outcome === outcome).length;
  return {
    replayed: rows.length,
    nowProcessed: count('processed'),
    stillUnrouted: count('unrouted'),
    stillMisrouted: count('misrouted'),
    failed: result.failed,
  };
}
