import { z } from 'zod';
import { MEDIA_TYPES, type MediaJob } from '@waba/whatsapp';

/** A media queue message as the processor and the sweep write it. */
export const mediaJobSchema = z.object({
  organizationId: z.uuid(),
  messageId: z.number().int().positive().nullable(),
  wamid: z.string().min(1),
  mediaId: z.string().min(1).max(256),
  mediaType: z.enum(MEDIA_TYPES),
  mimeType: z.string().nullable(),
  sha256: z.string().nullable(),
});

/** The job of a queue message's body; throws when it is not one. */
export function parseMediaJob(body: string): MediaJob {
  return mediaJobSchema.parse(JSON.parse(body));
}
