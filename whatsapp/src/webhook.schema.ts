import { z } from 'zod';
import { safeParseOf } from './safe-parse';
import { unixTimestampSchema } from './common.schema';

export * from './common.schema';
export * from './contact.schema';
export * from './message.schema';
export * from './status.schema';

/**
 * Items stay `unknown` here on purpose: one malformed message, status or
 * contact must not reject the whole POST. Callers parse each item with
 * parseInboundMessage / parseStatus / parseContact / parseWebhookError.
 */
const itemsSchema = z.array(z.unknown()).optional();

export const messagesChangeValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({
    display_phone_number: z.string(),
    phone_number_id: z.string().min(1),
  }),
  contacts: itemsSchema,
  messages: itemsSchema,
  statuses: itemsSchema,
  errors: itemsSchema,
});

export const messagesChangeSchema = z.looseObject({
  field: z.literal('messages'),
  value: messagesChangeValueSchema,
});

/**
 * Template, quality and account events carry no `metadata`; they are routed by
 * the entry's WABA id. The refinement keeps a broken `messages` change from
 * slipping through here and then lying about its type.
 */
export const otherChangeSchema = z.looseObject({
  field: z.string().refine((field) => field !== 'messages', 'malformed messages change'),
  value: z.looseObject({}),
});

export const webhookChangeSchema = z.union([messagesChangeSchema, otherChangeSchema]);

export const webhookEntrySchema = z.looseObject({
  id: z.string().min(1),
  time: unixTimestampSchema.optional(),
  changes: z.array(webhookChangeSchema),
});

export const webhookPayloadSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(webhookEntrySchema),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export type WebhookEntry = z.infer<typeof webhookEntrySchema>;
export type WebhookChange = z.infer<typeof webhookChangeSchema>;
export type MessagesChange = z.infer<typeof messagesChangeSchema>;
export type OtherChange = z.infer<typeof otherChangeSchema>;
export type MessagesChangeValue = z.infer<typeof messagesChangeValueSchema>;

// `field: string` on other changes overlaps 'messages', so TS cannot narrow the union alone.
export function isMessagesField(change: WebhookChange): change is MessagesChange {
  return change.field === 'messages';
}

export function parseWebhookPayload(body: unknown): z.ZodSafeParseResult<WebhookPayload> {
  return safeParseOf(webhookPayloadSchema, body);
}
