import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  beginMediaAttempt,
  markMediaSettled,
  markMediaStored,
  noteMediaRetry,
  type Db,
} from '@waba/db';
import {
  errorText,
  GraphApiError,
  type GraphClient,
  type Logger,
  type MediaJob,
} from '@waba/whatsapp';
import { MediaRejectedError, TransientMediaError } from './errors';
import {
  MEDIA_EXPIRY_SECONDS,
  MEDIA_SIZE_LIMITS,
  mediaObjectKey,
  MEDIA_RETENTION_TAG,
  MEDIA_RETENTION_TIERS,
  retentionTagging,
} from './media-object-key';

export interface ArchiveMediaDeps {
  db: Db;
  graph: Pick<GraphClient, 'getMedia' | 'downloadMedia'>;
  s3: S3Client;
  bucket: string;
  logger: Logger;
  clock: () => Date;
  downloadTimeoutMs: number;
}

export type ArchiveOutcome =
  | { state: 'stored'; key: string; bytes: number; sha256: string | null; duplicate: boolean }
  | { state: 'failed' | 'expired'; reason: string }
  | { state: 'skipped'; reason: string };

/** The error-level line a hash mismatch logs; the mismatch alarm matches it. */
export const MEDIA_HASH_MISMATCH_LOG_MESSAGE = 'media sha256 mismatch';

/** S3's smallest multipart part: the most of a file held in memory at once. */
const PART_SIZE = 5 * 1024 * 1024;

/**
 * Archives one media id to S3.
 * 1. Count the attempt on its `media_objects` row (created if the job came without one);
 *    a media id already stored is not fetched again.
 * 2. `GET /{version}/{media-id}` for the download URL, then download it with the token,
 *    streaming through a SHA-256 and a byte counter into a multipart upload (one part in
 *    memory at a time); a file larger than its type's limit is stopped.
 * 3. Compare the hash to the webhook's: equal → `stored`; different → the object is
 *    deleted and the media `failed`, logged at error level.
 * A 404 on a media id older than Meta's expiry ends `expired`. Transient failures
 * (5xx, 429, timeouts, network, S3) note their reason and throw TransientMediaError:
 * the queue retries the job, then keeps it in its DLQ (and the sweep queues it again);
 * once the media is older than Meta's expiry a failing attempt ends `failed`.
 */
export async function archiveMedia(job: MediaJob, deps: ArchiveMediaDeps): Promise<ArchiveOutcome> {
  const attempt = await beginMediaAttempt(deps.db, job);
  if (!attempt) return { state: 'skipped', reason: 'organization unknown' };
  const { row } = attempt;
  if (row.state === 'stored')
    return {
      state: 'stored',
      key: row.s3_key ?? '',
      bytes: row.bytes ?? 0,
      sha256: row.sha256,
      duplicate: true,
    };
  if (row.state !== 'pending') return { state: 'skipped', reason: `already ${row.state}` };

  const key = mediaObjectKey(row.organization_id, row.created_at, row.media_id);
  const log = deps.logger.child({ mediaId: row.media_id, wamid: row.wamid, attempt: row.attempts });
  try {
    const stored = await download(row.media_id, row.media_type, key, attempt.retentionDays, deps);
    const expected = row.sha256 ?? stored.announcedSha256;
    if (expected !== null && !sameHash(expected, stored.digest)) {
      const reason = `sha256 mismatch: the webhook says ${expected}, the downloaded bytes hash to ${stored.digest.toString('hex')}`;
      log.error({ key, bytes: stored.bytes, reason }, MEDIA_HASH_MISMATCH_LOG_MESSAGE);
      // Quarantined, not deleted: the shortest retention tier's lifecycle rule removes it, so
      // the archiver needs no s3:DeleteObject (docs/media.md). Its row is failed: nothing serves it.
      await deps.s3
        .send(
          new PutObjectTaggingCommand({
            Bucket: deps.bucket,
            Key: key,
            Tagging: {
              TagSet: [{ Key: MEDIA_RETENTION_TAG, Value: String(MEDIA_RETENTION_TIERS[0]) }],
            },
          }),
        )
        .catch((error: unknown) =>
          log.warn({ err: error, key }, 'mismatched object could not be quarantined'),
        );
      await markMediaSettled(deps.db, row.id, 'failed', reason);
      return { state: 'failed', reason };
    }
    const sha256 = expected ?? stored.digest.toString('hex');
    const first = await markMediaStored(deps.db, row.id, {
      s3Key: key,
      bytes: stored.bytes,
      mimeType: stored.mimeType ?? row.mime_type,
      sha256,
    });
    log.info({ key, bytes: stored.bytes, duplicate: !first }, 'media stored');
    return { state: 'stored', key, bytes: stored.bytes, sha256, duplicate: !first };
  } catch (error) {
    const verdict = classify(error, attempt.messageAt, deps.clock());
    if (verdict.state === 'retry') {
      await noteMediaRetry(deps.db, row.id, verdict.reason);
      log.warn({ err: error, reason: verdict.reason }, 'media download will be retried');
      throw new TransientMediaError(verdict.reason, { cause: error });
    }
    const { state, reason } = verdict;
    await markMediaSettled(deps.db, row.id, state, reason);
    log.warn({ reason, state }, 'media not archived');
    return { state, reason };
  }
}

interface Downloaded {
  bytes: number;
  digest: Buffer;
  mimeType: string | null;
  announcedSha256: string | null;
}

async function download(
  mediaId: string,
  mediaType: MediaJob['mediaType'],
  key: string,
  retentionDays: number | null,
  deps: ArchiveMediaDeps,
): Promise<Downloaded> {
  const limit = MEDIA_SIZE_LIMITS[mediaType];
  const tooLarge = (size: number) =>
    new MediaRejectedError(`${mediaType} of ${size} bytes is over Meta's ${limit}-byte limit`);
  const location = await deps.graph.getMedia(mediaId);
  if (location.fileSize !== null && location.fileSize > limit) throw tooLarge(location.fileSize);
  const response = await deps.graph.downloadMedia(location.url, deps.downloadTimeoutMs);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(declared);
  }
  if (!response.body) throw new TransientMediaError('media download answered without a body');

  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > limit) return done(tooLarge(bytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // A source error (timeout, reset) destroys the meter with it, which fails the upload.
  pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    meter,
    () => undefined,
  );
  const mimeType = contentTypeOf(response) ?? location.mimeType;
  const tagging = retentionTagging(retentionDays);
  const upload = new Upload({
    client: deps.s3,
    queueSize: 1,
    partSize: PART_SIZE,
    leavePartsOnError: false,
    params: {
      Bucket: deps.bucket,
      Key: key,
      Body: meter,
      ...(mimeType ? { ContentType: mimeType } : {}),
      ...(tagging ? { Tagging: tagging } : {}),
    },
  });
  await upload.done();
  return { bytes, digest: hash.digest(), mimeType, announcedSha256: location.sha256 };
}

function contentTypeOf(response: Response): string | null {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  // Meta's CDN may answer with a generic type; the webhook's then stays.
  return type && type !== 'application/octet-stream' ? type : null;
}

/** Meta gives the hash as hex or as base64; either matches the same digest. */
function sameHash(expected: string, digest: Buffer): boolean {
  const value = expected.trim();
  return value.toLowerCase() === digest.toString('hex') || value === digest.toString('base64');
}

type Verdict = { state: 'retry'; reason: string } | { state: 'failed' | 'expired'; reason: string };

function classify(error: unknown, messageAt: Date, now: Date): Verdict {
  if (error instanceof MediaRejectedError) return { state: 'failed', reason: error.message };
  if (error instanceof GraphApiError) {
    const ageSeconds = Math.floor((now.getTime() - messageAt.getTime()) / 1000);
    if (error.httpStatus === 404) {
      // Young ids are retried: a 404 before Meta's expiry is Meta's hiccup, not a lost file.
      return ageSeconds >= MEDIA_EXPIRY_SECONDS
        ? { state: 'expired', reason: `Meta answered 404 after ${ageSeconds} s: ${error.message}` }
        : { state: 'retry', reason: `404 before expiry: ${error.message}` };
    }
    if (error.kind === 'permanent') return { state: 'failed', reason: error.message };
    return retryUntilExpiry(error.message, ageSeconds);
  }
  // S3, a cut-off download, a timeout: worth another attempt.
  return retryUntilExpiry(
    errorText(error),
    Math.floor((now.getTime() - messageAt.getTime()) / 1000),
  );
}

/** Past Meta's expiry a retry cannot succeed: the media is failed instead of retried forever. */
function retryUntilExpiry(reason: string, ageSeconds: number): Verdict {
  return ageSeconds >= MEDIA_EXPIRY_SECONDS
    ? {
        state: 'failed',
        reason: `still failing after Meta's media expiry (${ageSeconds} s): ${reason}`,
      }
    : { state: 'retry', reason };
}
