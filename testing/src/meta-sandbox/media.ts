/**
 * The sandbox's media: `GET /{version}/{media-id}` answers with a download URL
 * on the sandbox itself, `GET /sandbox/media-files/{media-id}` serves the bytes
 * (both behind the bearer token when the sandbox has one), as Meta's media
 * endpoints and its CDN do.
 *
 * Media ids: those `addMedia` handed out serve their bytes; any other id is a
 * test id whose bytes are derived from the id (`sandboxMediaBytes`), so a
 * webhook posted with `npm run send -- image` names a file the sandbox has.
 * A test id's prefix picks a fault:
 * - `expired-…`   the lookup answers 404 (code 100, subcode 33), as for an id past Meta's expiry;
 * - `error5xx-…`  the lookup always answers 500 (code 2);
 * - `flaky-…`     the first lookup answers 503 (code 2), later ones succeed;
 * - `ratelimited-…` the lookup always answers 429 (code 4, application request limit);
 * - `stall-…`     the download sends its headers and half the bytes, then nothing more;
 * - `wrongbytes-…` the download serves other bytes than the ones the hash names;
 * - `toolarge-…`  the download streams 6 MiB without a length (over an image's 5 MB).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { graphError, invalidToken, type GraphErrorResponse } from './graph-error';

export const SANDBOX_MEDIA_FAULTS = [
  'expired',
  'error5xx',
  'flaky',
  'ratelimited',
  'stall',
  'wrongbytes',
  'toolarge',
] as const;
export type SandboxMediaFault = (typeof SANDBOX_MEDIA_FAULTS)[number];

/** The bytes of a test media id: deterministic, so a sender can compute their hash. */
export function sandboxMediaBytes(mediaId: string): Buffer {
  return Buffer.from(`sandbox media ${mediaId}\n`.repeat(64));
}

/** The SHA-256 (base64, as webhooks carry it) of a test media id's bytes. */
export function sandboxMediaSha256(mediaId: string): string {
  return createHash('sha256').update(sandboxMediaBytes(mediaId)).digest('base64');
}

/** A fresh test media id, optionally with a fault prefix. */
export function sandboxMediaId(fault?: SandboxMediaFault): string {
  return `${fault ?? 'sandbox'}-${randomBytes(6).toString('hex')}`;
}

function faultOf(mediaId: string): SandboxMediaFault | undefined {
  return SANDBOX_MEDIA_FAULTS.find((f) => mediaId.startsWith(`${f}-`));
}

interface StoredMedia {
  bytes: Buffer;
  mimeType: string;
}

const LOOKUP_PATH = /^\/v\d+\.\d+\/([^/]+)\/?$/;
const FILE_PATH = /^\/sandbox\/media-files\/([^/]+)$/;
const OVERSIZE_BYTES = 6 * 1024 * 1024;

export interface SandboxMedia {
  /** Stores a file; its id and hash (base64) go in a webhook. */
  add(bytes: Buffer, mimeType: string): { id: string; sha256: string };
  /** Lookups and downloads served, per media id. */
  requests(mediaId: string): { lookups: number; downloads: number };
  /**
   * Answers a media request (`true`), or leaves it to the other routes (`false`).
   * `authorized` tells whether the request carried the sandbox's token.
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string, authorized: boolean): boolean;
}

export function createSandboxMedia(options: {
  baseUrl: () => string;
  sendError: (res: ServerResponse, error: GraphErrorResponse) => void;
}): SandboxMedia {
  const stored = new Map<string, StoredMedia>();
  const counts = new Map<string, { lookups: number; downloads: number }>();
  const count = (id: string) => {
    const c = counts.get(id) ?? { lookups: 0, downloads: 0 };
    counts.set(id, c);
    return c;
  };
  const mediaOf = (id: string): StoredMedia =>
    stored.get(id) ?? { bytes: sandboxMediaBytes(id), mimeType: 'image/jpeg' };

  function lookup(res: ServerResponse, id: string): void {
    const c = count(id);
    c.lookups++;
    const fault = stored.has(id) ? undefined : faultOf(id);
    if (fault === 'expired')
      return options.sendError(
        res,
        graphError({
          code: 100,
          subcode: 33,
          httpStatus: 404,
          message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        }),
      );
    if (fault === 'error5xx' || (fault === 'flaky' && c.lookups === 1))
      return options.sendError(
        res,
        graphError({
          code: 2,
          httpStatus: fault === 'flaky' ? 503 : 500,
          message: 'Service temporarily unavailable',
        }),
      );
    if (fault === 'ratelimited')
      return options.sendError(
        res,
        graphError({ code: 4, httpStatus: 429, message: '(#4) Application request limit reached' }),
      );
    const media = mediaOf(id);
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      url: `${options.baseUrl()}/sandbox/media-files/${encodeURIComponent(id)}`,
      mime_type: media.mimeType,
      sha256: createHash('sha256').update(media.bytes).digest('hex'),
      ...(fault === 'toolarge' ? {} : { file_size: media.bytes.length }),
      id,
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(body);
  }

  function download(res: ServerResponse, id: string): void {
    count(id).downloads++;
    const fault = stored.has(id) ? undefined : faultOf(id);
    const media = mediaOf(id);
    if (fault === 'toolarge') {
      // Chunked, no content-length: only counting the bytes finds out.
      res.writeHead(200, { 'content-type': media.mimeType });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < OVERSIZE_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      return pump();
    }
    if (fault === 'stall') {
      // The client's timeout ends it; close() drops the connection.
      res.writeHead(200, {
        'content-type': media.mimeType,
        'content-length': String(media.bytes.length),
      });
      return void res.write(media.bytes.subarray(0, media.bytes.length / 2));
    }
    const bytes =
      fault === 'wrongbytes' ? Buffer.concat([media.bytes, Buffer.from('tampered')]) : media.bytes;
    res.writeHead(200, {
      'content-type': media.mimeType,
      'content-length': String(bytes.length),
    });
    res.end(bytes);
  }

  return {
    add(bytes, mimeType) {
      const id = String(1_000_000_000_000_000n + BigInt(`0x${randomBytes(6).toString('hex')}`));
      stored.set(id, { bytes, mimeType });
      return { id, sha256: createHash('sha256').update(bytes).digest('base64') };
    },
    requests: (id) => ({ ...count(id) }),
    handle(req, res, path, authorized) {
      if ((req.method ?? 'GET') !== 'GET') return false;
      const file = FILE_PATH.exec(path);
      const lookupMatch = file ? null : LOOKUP_PATH.exec(path);
      if (!file && !lookupMatch) return false;
      if (!authorized) {
        options.sendError(res, invalidToken());
        return true;
      }
      const id = decodeURIComponent((file ?? lookupMatch)![1] as string);
      if (file) download(res, id);
      else lookup(res, id);
      return true;
    },
  };
}
