import { createDb, type Db } from './connection';
import {
  parseMaintenanceRequest,
  toAuditLookup,
  type AuditLookup,
  type MaintenanceRequest,
} from './maintenance-request.schema';
import {
  DEFAULT_RETENTION,
  maintainPartitions,
  parseRetentionMonths,
  type MaintenanceReport,
  type RetentionPolicy,
} from './partitions';
import { databaseUrlFromEnv } from './secrets';
import { findWebhookEventBySha256 } from './webhook-event.repository';

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

function retentionFromEnv(env: NodeJS.ProcessEnv): RetentionPolicy {
  return {
    webhookEventsMonths: parseRetentionMonths(
      env.WEBHOOK_EVENTS_RETENTION_MONTHS,
      DEFAULT_RETENTION.webhookEventsMonths,
      'WEBHOOK_EVENTS_RETENTION_MONTHS',
    ),
    statusEventsMonths: parseRetentionMonths(
      env.STATUS_EVENTS_RETENTION_MONTHS,
      DEFAULT_RETENTION.statusEventsMonths,
      'STATUS_EVENTS_RETENTION_MONTHS',
    ),
  };
}

/**
 * The maintenance function: daily by schedule (partitions), and on demand
 * with `{ "action": "find-audit", "bodySha256": "..." }` (the smoke test).
 * DATABASE_URL or DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS
 * (default 3) and STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(event: unknown): Promise<MaintenanceReport | AuditLookup> {
  const env = process.env;
  const request = parseMaintenanceRequest(event);
  const db = createDb({
    connectionString: await databaseUrlFromEnv(env),
    max: 1,
    applicationName: 'waba-maintenance',
  });
  try {
    return await handleMaintenanceRequest(request, { db, retention: () => retentionFromEnv(env) });
  } finally {
    await db.destroy();
  }
}
