import { createDb, type Db } from './connection';
import { maintenanceEnvFromEnv } from './env.schema';
import {
  parseMaintenanceRequest,
  toAuditLookup,
  type AuditLookup,
  type MaintenanceRequest,
} from './maintenance-request.schema';
import { maintainPartitions, type MaintenanceReport, type RetentionPolicy } from './partitions';
import { databaseUrlFromEnv } from './secrets';
import { findWebhookEventBySha256 } from './webhook-event.repository';

// Checked at cold start: a bad retention stops the start with the variable's name.
const settings = maintenanceEnvFromEnv(process.env);

/**
 * One request of the maintenance function: `maintain` creates the coming
 * monthly partitions and drops those past retention; `find-audit` returns
 * the outcome of one webhook's audit row (never its payload).
 */
export async function handleMaintenanceRequest(
  request: MaintenanceRequest,
  deps: { db: Db; retention: () => RetentionPolicy },
): Promise<MaintenanceReport | AuditLookup> {
  if (request.action === 'find-audit') {
    return toAuditLookup(await findWebhookEventBySha256(deps.db, request.bodySha256));
  }
  const report = await maintainPartitions(deps.db, { retention: deps.retention() });
  console.log(JSON.stringify({ msg: 'partitions maintained', ...report }));
  return report;
}

/** The retention the environment sets (validated at cold start); 0 keeps everything. */
function retentionFromSettings(): RetentionPolicy {
  return {
    webhookEventsMonths: settings.WEBHOOK_EVENTS_RETENTION_MONTHS || null,
    statusEventsMonths: settings.STATUS_EVENTS_RETENTION_MONTHS || null,
  };
}

/**
 * The maintenance function: daily by schedule (partitions), and on demand
 * with `{ "action": "find-audit", "bodySha256": "..." }` (the smoke test).
 * DATABASE_URL or DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS
 * (default 3) and STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(event: unknown): Promise<MaintenanceReport | AuditLookup> {
  const request = parseMaintenanceRequest(event);
  const db = createDb({
    connectionString: await databaseUrlFromEnv(process.env),
    max: 1,
    applicationName: 'waba-maintenance',
  });
  try {
    return await handleMaintenanceRequest(request, { db, retention: retentionFromSettings });
  } finally {
    await db.destroy();
  }
}
