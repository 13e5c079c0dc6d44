import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  eraseContact,
  exportContact,
  toJsonLines,
  type ContactKey,
  type ExportRecord,
  type MediaObjectRow,
} from '@waba/db';
import { flag, orgOf, required, UsageError, withDb, type Target } from './cli-common';
import { eraseOutside } from './cli-contact-outside';

export const CONTACT_USAGE = `  contact export --org <slug> (--wa-id <n> | --user-id <bsuid>) --out <file.jsonl>
                                          everything held about the customer in that organization (docs/privacy.md)
  contact erase --org <slug> (--wa-id <n> | --user-id <bsuid>) --by <operator or ticket>
                                          erases or redacts the customer's data everywhere in that organization;
                                          other customers' items of shared bodies and campaign totals stay;
                                          then its archived files, the claim-check copies and dead letters`;

/** The media bucket of the target, or an error naming what is missing. */
function mediaStore(t: Target): { s3: NonNullable<Target['s3']>; bucket: string } {
  if (!t.s3 || !t.mediaBucket)
    throw new Error('no media bucket: start the local stack or set MEDIA_BUCKET');
  return { s3: t.s3, bucket: t.mediaBucket };
}

/** Writes each stored file of the export into `<file>.media/`; returns how many. */
async function writeMediaFiles(t: Target, records: ExportRecord[], file: string): Promise<number> {
  const stored = records
    .filter((r) => r.kind === 'media_object')
    .map((r) => r.row as MediaObjectRow)
    .filter((m) => m.state === 'stored' && m.s3_key !== null);
  if (stored.length === 0) return 0;
  const { s3, bucket } = mediaStore(t);
  const dir = `${file}.media`;
  mkdirSync(dir, { recursive: true });
  for (const m of stored) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: m.s3_key! }));
    await pipeline(object.Body as Readable, createWriteStream(join(dir, basename(m.s3_key!))));
  }
  return stored.length;
}

/** `--wa-id` or `--user-id`, exactly one. */
function contactKey(args: string[]): ContactKey {
  const waId = flag(args, 'wa-id');
  const userId = flag(args, 'user-id');
  if ((waId === undefined) === (userId === undefined))
    throw new UsageError('give one of --wa-id or --user-id');
  return waId !== undefined ? { waId } : { userId: userId! };
}

export async function runContactCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (`${args[0]} ${args[1]}`) {
    case 'contact export': {
      const key = contactKey(args);
      const file = required(args, 'out');
      const records = await withDb(t, async (db) =>
        exportContact(db, (await orgOf(db, args)).id, key),
      );
      writeFileSync(file, toJsonLines(records));
      const files = await writeMediaFiles(t, records, file);
      if (files > 0) out(`wrote ${files} media file(s) to ${file}.media/`);
      const kinds = new Map<string, number>();
      for (const r of records) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
      out(`wrote ${records.length} record(s) to ${file}`);
      for (const [kind, n] of kinds) out(`${kind}\t${n}`);
      return;
    }
    case 'contact erase': {
      const key = contactKey(args);
      const by = required(args, 'by');
      const report = await withDb(t, async (db) =>
        eraseContact(db, (await orgOf(db, args)).id, key, { by }),
      );
      out(`erased contact ${report.contactId} (erasure_log ${report.logId})`);
      // Files after the rows: a failure here leaves objects no row names, and running the
      // erasure again (nothing left to redact) is not needed; the keys are printed to finish by hand.
      if (report.mediaKeys.length > 0) {
        const { s3, bucket } = mediaStore(t);
        const errors: string[] = [];
        // DeleteObjects takes at most 1,000 keys a call.
        for (let i = 0; i < report.mediaKeys.length; i += 1000) {
          const result = await s3.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: report.mediaKeys.slice(i, i + 1000).map((Key) => ({ Key })) },
            }),
          );
          for (const e of result.Errors ?? []) {
            errors.push(e.Key ?? '?');
            out(`media file ${e.Key} not deleted: ${e.Message}`);
          }
        }
        out(`media files deleted\t${report.mediaKeys.length - errors.length}`);
      }
      const outside = await eraseOutside(t, report.outside);
      if (outside.claimChecks > 0) out(`claim-check copies redacted\t${outside.claimChecks}`);
      for (const [queue, n] of Object.entries(outside.deadLetters))
        out(`${queue} dead letters erased\t${n}`);
      for (const [kind, n] of Object.entries(report.rowCounts)) out(`${kind}\t${n}`);
      return;
    }
    default:
      throw new UsageError(`unknown contact command ${args[1] ?? ''}`);
  }
}
