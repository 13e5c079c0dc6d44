import {
  createAnalyst,
  DEFAULT_RETENTION,
  dropAnalyst,
  listAnalysts,
  listPartitions,
  enforceRetention,
  maintainPartitions,
  parseRetentionMonths,
} from '@waba/db';
import {
  flag,
  orgOf,
  required,
  UsageError,
  withDb,
  type CliOption,
  type Target,
} from './cli-common';

export const DB_USAGE = `  db maintain [--months-ahead 2] [--webhook-events-months ${DEFAULT_RETENTION.webhookEventsMonths}] [--status-events-months ${DEFAULT_RETENTION.statusEventsMonths}]
                                          create coming monthly partitions, drop those past retention (0: keep all)
  db partitions                           partitions with rows and size
  analyst add --org <slug> --role <name>  read-only login seeing only that organization's rows
                                          (password from ANALYST_PASSWORD; unset: no login, for IAM or set role)
  analyst list | analyst remove --role <name>`;

function months(args: string[], name: CliOption, fallback: number | null): number | null {
  try {
    return parseRetentionMonths(flag(args, name), fallback, `--${name}`);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
      const redacted = await withDb(t, (db) => enforceRetention(db));
      out(
        `redacted past organization retention: ${Object.entries(redacted)
          .map(([table, n]) => `${table} ${n}`)
          .join(', ')}`,
      );
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

export async function runAnalystCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (args[1]) {
    case 'add': {
      const role = required(args, 'role');
      await withDb(t, async (db) => {
        const org = await orgOf(db, args);
        const password = process.env.ANALYST_PASSWORD || undefined;
        await createAnalyst(db, {
          role,
          organizationId: org.id,
          ...(password ? { password } : {}),
        });
      });
      out(`analyst ${role} sees organization ${flag(args, 'org')} only`);
      return;
    }
    case 'list': {
      const rows = await withDb(t, listAnalysts);
      for (const r of rows) out(`${r.role_name}\t${r.slug}\t${r.organization_id}`);
      if (rows.length === 0) out('no analysts');
      return;
    }
    case 'remove': {
      const role = required(args, 'role');
      await withDb(t, (db) => dropAnalyst(db, role));
      out(`analyst ${role} removed`);
      return;
    }
    default:
      throw new UsageError(`unknown analyst command ${args[1] ?? ''}`);
  }
}
