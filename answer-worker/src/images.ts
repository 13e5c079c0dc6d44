import { hasPendingMediaSince, storedMediaOf, type Db, type MessageRow } from '@waba/db';
import type { Logger } from '@waba/whatsapp';
import type { AgentImage } from './agent/agent';
import type { MediaReader } from './answer-deps';

/**
 * The largest image handed to a model: WhatsApp's own limit for images
 * (5 MB), which also keeps the request well inside OpenAI's 20 MB per image.
 */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * How long an answer waits for an image of its messages that is still being
 * archived (a `pending` row younger than this): the archiver runs beside the
 * answer debounce, and usually needs a second or two more than it.
 */
export const IMAGE_ARCHIVE_WAIT_SECONDS = 60;

const imageWamids = (messages: readonly MessageRow[]) =>
  messages.filter((m) => m.type === 'image').map((m) => m.wamid);

/** Whether an image among `messages` is still `pending` and young enough to wait for. */
export async function imagesBeingArchived(
  db: Db,
  organizationId: string,
  messages: readonly MessageRow[],
  now: Date,
): Promise<boolean> {
  const since = new Date(now.getTime() - IMAGE_ARCHIVE_WAIT_SECONDS * 1000);
  return hasPendingMediaSince(db, organizationId, imageWamids(messages), since);
}

/**
 * The archived images of the image messages among `messages`, by wamid: the
 * `stored` media_objects row of each, read from the media archive. An image
 * not archived (yet), too large, or unreadable is left out and the model gets
 * its caption alone: a missing picture must not cost the customer the answer.
 */
export async function loadImages(
  deps: { db: Db; media: MediaReader; logger: Logger },
  organizationId: string,
  messages: readonly MessageRow[],
): Promise<Map<string, AgentImage>> {
  const images = new Map<string, AgentImage>();
  const rows = await storedMediaOf(deps.db, organizationId, imageWamids(messages), 'image');
  await Promise.all(
    rows.map(async (row) => {
      if (row.s3_key === null || (row.bytes ?? 0) > MAX_IMAGE_BYTES) {
        deps.logger.info(
          { wamid: row.wamid, bytes: row.bytes },
          'image not sent to the model: no object or too large',
        );
        return;
      }
      try {
        const bytes = await deps.media.read(row.s3_key);
        images.set(row.wamid, { mimeType: row.mime_type ?? 'image/jpeg', bytes });
      } catch (error) {
        deps.logger.warn(
          { err: error, wamid: row.wamid },
          'image not sent to the model: the archive did not return it',
        );
      }
    }),
  );
  return images;
}
