import { z } from 'zod';
import { DbError } from './errors';
import type { WebhookAuditSummary } from './webhook-event.repository';
import { WEBHOOK_OUTCOMES } from './webhook-event.table';

/**
 * `{ "action": "find-audit", "bodySha256": "<64 hex>" }`: asks the maintenance
 * function for the audit row of one webhook (the smoke test's last step; the
 * database is in private subnets, the deployer's laptop is not).
 */
export const findAuditRequestSchema = z.strictObject({
  action: z.literal('find-audit'),
  bodySha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters'),
});

export type FindAuditRequest = z.infer<typeof findAuditRequestSchema>;

/** What the maintenance function does with an invocation. */
export type MaintenanceRequest = FindAuditRequest | { action: 'maintain' };

/**
 * An invocation payload → its request. A payload with an `action` must be a
 * valid request (a typo must not run the partition maintenance instead);
 * anything else, EventBridge's scheduled event included, is the daily maintenance.
 */
export function parseMaintenanceRequest(event: unknown): MaintenanceRequest {
  if (typeof event !== 'object' || event === null || !('action' in event)) {
    return { action: 'maintain' };
  }
  const parsed = findAuditRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new DbError(`invalid maintenance request: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** The answer to `find-audit`, as JSON (the smoke test parses it with this schema). */
export const auditLookupSchema = z.discriminatedUnion('found', [
  z.object({ found: z.literal(false) }),
  z.object({
    found: z.literal(true),
    outcome: z.enum(WEBHOOK_OUTCOMES),
    error: z.string().nullable(),
    fields: z.array(z.string()),
    itemCounts: z.record(z.string(), z.number()),
    receivedAt: z.iso.datetime(),
    lastProcessedAt: z.iso.datetime(),
    deliveryCount: z.number().int(),
  }),
]);

export type AuditLookup = z.infer<typeof auditLookupSchema>;

/** An audit row (or its absence) as the JSON `find-audit` answers. */
export function toAuditLookup(summary: WebhookAuditSummary | undefined): AuditLookup {
  if (!summary) return { found: false };
  return {
    found: true,
    ...summary,
    receivedAt: summary.receivedAt.toISOString(),
    lastProcessedAt: summary.lastProcessedAt.toISOString(),
  };
}
