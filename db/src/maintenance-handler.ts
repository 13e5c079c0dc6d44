import { createDb } from './connection';
import { DEFAULT_RETENTION, maintainPartitions, type MaintenanceReport } from './partitions';
import { databaseUrlFromEnv } from './secrets';

function months(value: string | undefined, fallback: number | null): number | null {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`retention must be whole months, got ${value}`);
  return n === 0 ? null : n;
}

/**
 * The scheduled maintenance function (daily): creates the coming monthly
 * partitions and drops those past retention. DATABASE_URL or
 * DATABASE_SECRET_ARN; WEBHOOK_EVENTS_RETENTION_MONTHS (default 3) and
 * STATUS_EVENTS_RETENTION_MONTHS (default 13), 0 keeping everything.
 */
export async function handler(): Promise<MaintenanceReport> {
  const env = process.env;
  const retention = {
    webhookEventsMonths: months(
      env.WEBHOOK_EVENTS_RETENTION_MONTHS,
      DEFAULT_RETENTION.webhookEventsMonths,
    ),
    statusEventsMonths: months(
      env.STATUS_EVENTS_RETENTION_MONTHS,
      DEFAULT_RETENTION.statusEventsMonths,
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
