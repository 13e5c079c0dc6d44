import { sql } from 'kysely';
import type { Db } from './connection';

/** The tables partitioned by month, and what their retention is measured on. */
export const PARTITIONED_TABLES = [
  'webhook_events',
  'webhook_event_extracts',
  'message_status_events',
] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export interface RetentionPolicy {
  /** Months of webhook_events (raw bodies, the audit trail) and their extracts to keep; null keeps all. */
  webhookEventsMonths: number | null;
  /** Months of message_status_events to keep; null keeps all. */
  statusEventsMonths: number | null;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  webhookEventsMonths: 3,
  statusEventsMonths: 13,
};

/**
 * A retention setting as written in the environment or on the command line:
 * whole months, 0 keeping everything (null), unset or empty the fallback.
 */
export function parseRetentionMonths(
  value: string | undefined,
  fallback: number | null,
  what = 'retention',
): number | null {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} is whole months, got ${value}`);
  return n === 0 ? null : n;
}

export interface MaintenanceReport {
  created: string[];
  dropped: string[];
}

function monthStart(date: Date, addMonths = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + addMonths, 1));
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Creates the partitions of the current month and the next `monthsAhead`
 * (moving any rows the default partition caught for them), then drops the
 * partitions that ended before each table's retention. Idempotent: run it
 * daily or monthly, from the CLI, the local stack or a scheduled function.
 */
export async function maintainPartitions(
  db: Db,
  options: { now?: Date; monthsAhead?: number; retention?: RetentionPolicy } = {},
): Promise<MaintenanceReport> {
  const now = options.now ?? new Date();
  const monthsAhead = options.monthsAhead ?? 2;
  const retention = options.retention ?? DEFAULT_RETENTION;
  const report: MaintenanceReport = { created: [], dropped: [] };
  for (const table of PARTITIONED_TABLES) {
    for (let m = 0; m <= monthsAhead; m++) {
      const month = isoDate(monthStart(now, m));
      const { rows } = await sql<{ name: string | null }>`
        select waba_create_month_partition(${table}::regclass, ${month}::date) as name`.execute(db);
      if (rows[0]?.name) report.created.push(rows[0].name);
    }
    const months =
      table === 'message_status_events'
        ? retention.statusEventsMonths
        : retention.webhookEventsMonths;
    if (months === null) continue;
    // Keep the current month and the `months - 1` before it.
    const cutoff = isoDate(monthStart(now, -(months - 1)));
    const { rows } = await sql<{ name: string }>`
      select waba_drop_month_partitions(${table}::regclass, ${cutoff}::date) as name`.execute(db);
    report.dropped.push(...rows.map((r) => r.name));
  }
  return report;
}

export interface PartitionInfo {
  table: PartitionedTable;
  partition: string;
  rows: number;
  bytes: number;
}

/** Each partition with its estimated rows and total size (table, indexes, TOAST). */
export async function listPartitions(db: Db): Promise<PartitionInfo[]> {
  const { rows } = await sql<PartitionInfo>`
    select p.relname as table, c.relname as partition, greatest(c.reltuples, 0)::bigint as rows,
      pg_total_relation_size(c.oid) as bytes
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = any(${[...PARTITIONED_TABLES]})
    order by p.relname, c.relname`.execute(db);
  return rows;
}
