import { createDb } from './connection';
import { maintenanceEnvFromEnv } from './env.schema';
import { maintainPartitions, type MaintenanceReport } from './partitions';
import { databaseUrlFromEnv } from './secrets';

// Checked at cold start: a bad retention stops the start with the variable's name.
const settings = maintenanceEnvFromEnv(process.env);

/**
 * The scheduled maintenance function (daily): creates the coming monthly
 * partitions and drops those past retention. DATABASE_URL or
 * DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS (default 3) and
 * STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(): Promise<MaintenanceReport> {
  const retention = {
    webhookEventsMonths: settings.WEBHOOK_EVENTS_RETENTION_MONTHS || null,
    statusEventsMonths: settings.STATUS_EVENTS_RETENTION_MONTHS || null,
  };
  const db = createDb({
    connectionString: await databaseUrlFromEnv(process.env),
    max: 1,
    applicationName: 'waba-maintenance',
  });
  try {
    const report = await maintainPartitions(db, { retention });
    console.log(JSON.stringify({ msg: 'partitions maintained', ...report }));
    return report;
  } finally {
    await db.destroy();
  }
}
