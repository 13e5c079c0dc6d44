import { createDb } from './connection';
import {
  DEFAULT_RETENTION,
  maintainPartitions,
  parseRetentionMonths,
  type MaintenanceReport,
} from './partitions';
import { databaseUrlFromEnv } from './secrets';

/**
 * The scheduled maintenance function (daily): creates the coming monthly
 * partitions and drops those past retention. DATABASE_URL or
 * DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS (default 3) and
 * STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(): Promise<MaintenanceReport> {
  const env = process.env;
  const retention = {
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
  const db = createDb({
    connectionString: await databaseUrlFromEnv(env),
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
