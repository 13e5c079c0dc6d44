import type { MediaType } from '@waba/whatsapp';

/**
 * The object key of a media id: per organization and UTC day (of when the
 * processor queued it, so every retry writes the same key). The prefix
 * `media/` is the only one the archiver may write to.
 */
export function mediaObjectKey(organizationId: string, queuedAt: Date, mediaId: string): string {
  const day = queuedAt.toISOString().slice(0, 10).split('-').join('/');
  return `media/${organizationId}/${day}/${encodeURIComponent(mediaId)}`;
}

/**
 * The retention tiers the bucket's lifecycle rules know, in days: an object
 * tagged `retention-days=<N>` expires N days after it was written.
 */
export const MEDIA_RETENTION_TIERS = [7, 30, 90, 365, 1825] as const;
export const MEDIA_RETENTION_TAG = 'retention-days';

/**
 * The tier an organization's setting maps to: the smallest one that keeps the
 * media at least as long as asked. Null (keep for good) or a setting above
 * the longest tier: no tier, the object is never expired.
 */
export function retentionTier(days: number | null): number | null {
  if (days === null) return null;
  return MEDIA_RETENTION_TIERS.find((tier) => tier >= days) ?? null;
}

/** The object's `Tagging` (URL-encoded tag set) for an organization's setting; undefined: no tag. */
export function retentionTagging(days: number | null): string | undefined {
  const tier = retentionTier(days);
  return tier === null ? undefined : `${MEDIA_RETENTION_TAG}=${tier}`;
}

const MB = 1024 * 1024;

/**
 * Largest file Meta accepts per media type (Meta's "Supported media types"
 * of the Cloud API, repeated in AWS End User Messaging Social's "Supported
 * media file types and sizes in WhatsApp"): image 5 MB, video and audio
 * 16 MB, document 100 MB, sticker 500 KB (animated; static ones 100 KB).
 * A download that grows past its limit is stopped and the media `failed`.
 */
export const MEDIA_SIZE_LIMITS: Readonly<Record<MediaType, number>> = {
  image: 5 * MB,
  video: 16 * MB,
  audio: 16 * MB,
  document: 100 * MB,
  sticker: 500 * 1024,
};

/**
 * Meta keeps a media id of a webhook for about 7 days (WhatsApp Cloud API,
 * "Media": media ids in webhooks expire after 7 days); a 404 on one at least
 * this old means the file is gone, not that Meta is slow.
 */
export const MEDIA_EXPIRY_SECONDS = 7 * 24 * 3600;
