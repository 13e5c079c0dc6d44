import { z } from 'zod';
import { safeParseOf } from './safe-parse';

export const webhookContactSchema = z.looseObject({
  profile: z.looseObject({ name: z.string().optional() }).optional(),
  wa_id: z.string(),
  user_id: z.string().optional(),
});

export type WebhookContact = z.infer<typeof webhookContactSchema>;

export function parseContact(item: unknown): z.ZodSafeParseResult<WebhookContact> {
  return safeParseOf(webhookContactSchema, item);
}
