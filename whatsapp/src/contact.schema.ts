import { z } from 'zod';
import { safeParseOf } from './safe-parse';

/**
 * A `contacts[]` item: a phone number (`wa_id`), a business-scoped user id
 * (`user_id`, for users behind a username), or both; at least one.
 */
export const webhookContactSchema = z
  .looseObject({
    profile: z
      .looseObject({ name: z.string().optional(), username: z.string().optional() })
      .optional(),
    wa_id: z.string().min(1).optional(),
    user_id: z.string().min(1).optional(),
    parent_user_id: z.string().min(1).optional(),
  })
  .refine((c) => c.wa_id !== undefined || c.user_id !== undefined, {
    message: 'a contact needs wa_id or user_id',
  });

export type WebhookContact = z.infer<typeof webhookContactSchema>;

export function parseContact(item: unknown): z.ZodSafeParseResult<WebhookContact> {
  return safeParseOf(webhookContactSchema, item);
}
