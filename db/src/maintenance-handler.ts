import { dbFromEnv } from './connection';
import { maintenanceEnvFromEnv } from './env.schema';
import { handleMaintenanceRequest, retentionFromEnv } from './maintenance';
import { parseMaintenanceRequest, type AuditLookup } from './maintenance-request.schema';
import type { MaintenanceReport } from './partitions';

// Checked at cold start: a bad retention stops the start with the variable's name.
const retention = retentionFromEnv(maintenanceEnvFromEnv(process.env));

/**
 * The maintenance function: daily by schedule (partitions), and on demand
 * with `{ "action": "find-audit", "bodySha256": "..." }` (the smoke test).
 * DATABASE_URL or DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS
 * (default 3) and STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(event: unknown): Promise<MaintenanceReport | AuditLookup> {
  const request = parseMaintenanceRequest(event);
  const db = await dbFromEnv(process.env, { max: 1, applicationName: 'waba-maintenance' });
  try {
    return await handleMaintenanceRequest(request, {
      db,
      retention,
      log: (message, details) => console.log(JSON.stringify({ msg: message, ...details })),
    });
  } finally {
    await db.destroy();
  }
}
