import type { Db } from './connection';
import type { MaintenanceEnv } from './env.schema';
import {
  toAuditLookup,
  type AuditLookup,
  type MaintenanceRequest,
} from './maintenance-request.schema';
import { maintainPartitions, type MaintenanceReport, type RetentionPolicy } from './partitions';
import { enforceRetention, type RetentionReport } from './retention';
import { findWebhookEventBySha256 } from './webhook-event.repository';

/**
 * One request of the maintenance function: `maintain` creates the coming
 * monthly partitions and drops those past retention; `find-audit` returns
 * the outcome of one webhook's audit row (never its payload). `maintain`
 * also redacts rows past each organization's own retention (retention.ts).
 */
export async function handleMaintenanceRequest(
  request: MaintenanceRequest,
  deps: { db: Db; retention: RetentionPolicy; log(message: string, details: object): void },
): Promise<(MaintenanceReport & { redacted: RetentionReport }) | AuditLookup> {
  if (request.action === 'find-audit') {
    return toAuditLookup(await findWebhookEventBySha256(deps.db, request.bodySha256));
  }
  const report = await maintainPartitions(deps.db, { retention: deps.retention });
  deps.log('partitions maintained', report);
  // Each organization's own retention, inside the partitions kept.
  const redacted = await enforceRetention(deps.db);
  deps.log('organization retention enforced', redacted);
  return { ...report, redacted };
}

/** The retention the environment sets; 0 keeps everything. */
export function retentionFromEnv(
  settings: Pick<
    MaintenanceEnv,
    'WEBHOOK_EVENTS_RETENTION_MONTHS' | 'STATUS_EVENTS_RETENTION_MONTHS'
  >,
): RetentionPolicy {
  return {
    webhookEventsMonths: settings.WEBHOOK_EVENTS_RETENTION_MONTHS || null,
    statusEventsMonths: settings.STATUS_EVENTS_RETENTION_MONTHS || null,
  };
}
