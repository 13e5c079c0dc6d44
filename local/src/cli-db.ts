import { DEFAULT_RETENTION, listPartitions, maintainPartitions } from '@waba/db';
import { flag, UsageError, withDb, type Target } from './cli-common';

export const DB_USAGE = `  db maintain [--months-ahead 2] [--webhook-events-months ${DEFAULT_RETENTION.webhookEventsMonths}] [--status-events-months ${DEFAULT_RETENTION.statusEventsMonths}]
                                          create coming monthly partitions, drop those past retention (0: keep all)
  db partitions                           partitions with rows and size`;

function months(args: string[], name: string, fallback: number | null): number | null {
  const value = flag(args, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} is a whole number of months`);
  return n === 0 ? null : n;
}

export async function runDbCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (args[1]) {
    case 'maintain': {
      const report = await withDb(t, (db) =>
        maintainPartitions(db, {
          monthsAhead: Number(flag(args, 'months-ahead', '2')),
          retention: {
            webhookEventsMonths: months(
              args,
              'webhook-events-months',
              DEFAULT_RETENTION.webhookEventsMonths,
            ),
            statusEventsMonths: months(
              args,
              'status-events-months',
              DEFAULT_RETENTION.statusEventsMonths,
            ),
          },
        }),
      );
      out(`created: ${report.created.join(', ') || 'none'}`);
      out(`dropped: ${report.dropped.join(', ') || 'none'}`);
      return;
    }
    case 'partitions': {
      const rows = await withDb(t, listPartitions);
      out('table\tpartition\trows (estimate)\tbytes');
      for (const p of rows) out(`${p.table}\t${p.partition}\t${p.rows}\t${p.bytes}`);
      return;
    }
    default:
      throw new UsageError(`unknown db command ${args[1] ?? ''}`);
  }
}
