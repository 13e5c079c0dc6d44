import { z } from 'zod';
import { safeParseOf } from './safe-parse';
import { unixTimestampSchema, webhookErrorSchema } from './common.schema';

/** Known values; `status` itself stays a free string so new ones (e.g. `deleted`) still parse. */
export const KNOWN_STATUSES = ['sent', 'delivered', 'read', 'failed', 'played', 'deleted'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

export const messageStatusSchema = z
  .looseObject({
    id: z.string().min(1),
    status: z.string().min(1),
    timestamp: unixTimestampSchema,
    /** The recipient's phone number; absent for a user known only by username (then `recipient_user_id`). */
    recipient_id: z.string().min(1).optional(),
    recipient_user_id: z.string().min(1).optional(),
    parent_recipient_user_id: z.string().min(1).optional(),
    recipient_type: z.string().optional(),
    biz_opaque_callback_data: z.string().optional(),
    conversation: z
      .looseObject({
        id: z.string(),
        expiration_timestamp: unixTimestampSchema.optional(),
        origin: z.looseObject({ type: z.string() }).optional(),
      })
      .optional(),
    pricing: z
      .looseObject({
        billable: z.boolean().optional(),
        pricing_model: z.string().optional(),
        category: z.string().optional(),
        type: z.string().optional(),
      })
      .optional(),
    errors: z.array(webhookErrorSchema).optional(),
  })
  .refine((s) => s.recipient_id !== undefined || s.recipient_user_id !== undefined, {
    message: 'a status needs recipient_id or recipient_user_id',
  });

export type MessageStatus = z.infer<typeof messageStatusSchema>;

export function parseStatus(item: unknown): z.ZodSafeParseResult<MessageStatus> {
  return safeParseOf(messageStatusSchema, item);
}
