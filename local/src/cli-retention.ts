import {
  DEFAULT_RETENTION,
  organizationRetention,
  setOrganizationRetention,
  type OrganizationRetention,
} from '@waba/db';
import { retentionTier } from '@waba/media-archiver';
import { flag, orgOf, UsageError, withDb, type CliOption, type Target } from './cli-common';

export const RETENTION_USAGE = `  org show --org <slug>                   the organization, its numbers and its effective retention
  org retention --org <slug> [--messages-days <n|none>] [--raw-bodies-days <n|none>] [--status-events-days <n|none>]
                                          rows past it are redacted by the daily maintenance (db maintain); none: kept
                                          (media: org set --media-retention-days)`;

function days(args: string[], name: CliOption): number | null | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name}: a whole number of days ≥ 1, or none`);
  return n;
}

const shown = (n: number | null, partitions?: string) =>
  n === null
    ? `kept${partitions ? ` (until its partition is dropped: ${partitions})` : ''}`
    : `${n} days`;

function retentionLines(r: OrganizationRetention): string[] {
  return [
    `messages\t${shown(r.messageDays)}`,
    `raw bodies\t${shown(r.rawBodyDays, `WEBHOOK_EVENTS_RETENTION_MONTHS, default ${DEFAULT_RETENTION.webhookEventsMonths} months`)}`,
    `status events\t${shown(r.statusEventDays, `STATUS_EVENTS_RETENTION_MONTHS, default ${DEFAULT_RETENTION.statusEventsMonths} months`)}`,
    // Media expire by the lifecycle rule of the tier their tag names (docs/media.md).
    `media\t${r.mediaDays === null ? 'kept' : `${r.mediaDays} days (lifecycle tier ${retentionTier(r.mediaDays) ?? 'none: kept'})`}`,
  ];
}

export async function runRetentionCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (`${args[0]} ${args[1]}`) {
    case 'org show': {
      const { org, retention } = await withDb(t, async (db) => {
        const found = await orgOf(db, args);
        return { org: found, retention: await organizationRetention(db, found.id) };
      });
      out(`${org.slug}\t${org.id}\t${org.name}`);
      for (const line of retentionLines(retention)) out(line);
      return;
    }
    case 'org retention': {
      const change = {
        messageDays: days(args, 'messages-days'),
        rawBodyDays: days(args, 'raw-bodies-days'),
        statusEventDays: days(args, 'status-events-days'),
      };
      const retention = await withDb(t, async (db) =>
        setOrganizationRetention(db, (await orgOf(db, args)).id, change),
      );
      for (const line of retentionLines(retention)) out(line);
      return;
    }
    default:
      throw new UsageError(`unknown org command ${args[1] ?? ''}`);
  }
}
