import { z } from 'zod';
import { safeParseOf } from './safe-parse';

/**
 * Meta sends unix seconds as a string; some relays and older test tools send a
 * number. Both normalise to the string form so downstream code has one type.
 */
export const unixTimestampSchema = z
  .union([z.string().regex(/^\d+$/, 'expected unix seconds'), z.number().int().nonnegative()])
  .transform((value) => String(value));

export const webhookErrorSchema = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});

export type WebhookError = z.infer<typeof webhookErrorSchema>;

export function parseWebhookError(item: unknown): z.ZodSafeParseResult<WebhookError> {
  return safeParseOf(webhookErrorSchema, item);
}
