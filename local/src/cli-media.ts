import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { mediaOfMessage, setMediaRetentionDays, type MediaObjectRow } from '@waba/db';
import { retentionTier } from '@waba/media-archiver';
import { flag, orgOf, positional, required, UsageError, withDb, type Target } from './cli-common';

export const MEDIA_USAGE = `  media get <wamid> [--out <path>]       the archived media of a message: key, size, sha256, state and a
                                          presigned URL (15 min), or the file written to <path>
  org set --org <slug> --media-retention-days <days|none>
                                          how long the organization's media is kept (S3 expires it at the
                                          next tier of 7, 30, 90, 365, 1825 days; none: kept for good)`;

const PRESIGNED_SECONDS = 900;

function mediaLine(m: MediaObjectRow): string {
  return [
    `media ${m.media_id} (${m.media_type}, ${m.mime_type ?? 'unknown type'}): ${m.state}`,
    m.reason ? ` — ${m.reason}` : '',
    ` attempts ${m.attempts}`,
  ].join('');
}

export async function runMediaCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  const command = `${args[0]} ${args[1]}`;
  if (command === 'org set') {
    const value = required(args, 'media-retention-days');
    const days = value === 'none' ? null : Number(value);
    if (days !== null && (!Number.isInteger(days) || days < 1))
      throw new UsageError('--media-retention-days: a whole number of days ≥ 1, or none');
    const org = await withDb(t, async (db) => {
      const o = await orgOf(db, args);
      await setMediaRetentionDays(db, o.id, days);
      return o;
    });
    const tier = retentionTier(days);
    out(
      days === null
        ? `media of ${org.slug} is kept for good`
        : `media of ${org.slug} is kept ${days} day(s): expired by S3 after ${tier ?? 'no'} day(s)${tier === null ? ' (longer than the longest tier: kept for good)' : ''}`,
    );
    return;
  }
  if (command !== 'media get') throw new UsageError(`unknown command ${command}`);
  const wamid = positional(args, 0, '<wamid>');
  const rows = await withDb(t, (db) => mediaOfMessage(db, wamid));
  if (rows.length === 0) throw new Error(`no media recorded for ${wamid}`);
  const path = flag(args, 'out');
  for (const m of rows) {
    out(mediaLine(m));
    if (m.state !== 'stored' || !m.s3_key) continue;
    out(`key ${m.s3_key}`);
    out(`size ${m.bytes} bytes`);
    out(`sha256 ${m.sha256 ?? '-'}`);
    if (!t.s3 || !t.mediaBucket)
      throw new Error('no media bucket: start the local stack or set MEDIA_BUCKET');
    const get = new GetObjectCommand({ Bucket: t.mediaBucket, Key: m.s3_key });
    if (path === undefined) {
      out(`url ${await getSignedUrl(t.s3, get, { expiresIn: PRESIGNED_SECONDS })}`);
      continue;
    }
    const object = await t.s3.send(get);
    await pipeline(object.Body as Readable, createWriteStream(path));
    out(`written to ${path}`);
  }
}
