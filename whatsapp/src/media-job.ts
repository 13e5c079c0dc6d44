/**
 * The contract between the processor and the media archiver: one job per
 * media item of an inbound message. The archiver keeps one object per
 * organization and media id, so duplicate jobs are harmless.
 */

/** The message types that carry a downloadable media object (audio includes voice notes). */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export function isMediaType(type: string | null | undefined): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type ?? '');
}

/** What the webhook says about one media item. */
export interface MediaItem {
  mediaId: string;
  mediaType: MediaType;
  mimeType: string | null;
  /** SHA-256 of the file, as the webhook gives it (hex; older payloads: base64). */
  sha256: string | null;
}

export interface MediaJob extends MediaItem {
  organizationId: string;
  /** The messages row that carried it (null when the message row is not known). */
  messageId: number | null;
  wamid: string;
}

/**
 * The media item of an inbound message of type `type` whose payload is
 * `message` (the item of `value.messages[]`); null for other types or a
 * media object without an id.
 */
export function mediaItemOf(type: string | null | undefined, message: unknown): MediaItem | null {
  if (!isMediaType(type)) return null;
  const media = (message as Record<string, unknown> | null)?.[type] as
    { id?: unknown; mime_type?: unknown; sha256?: unknown } | undefined;
  if (typeof media?.id !== 'string' || media.id === '') return null;
  return {
    mediaId: media.id,
    mediaType: type,
    mimeType: typeof media.mime_type === 'string' ? media.mime_type : null,
    sha256: typeof media.sha256 === 'string' ? media.sha256 : null,
  };
}
