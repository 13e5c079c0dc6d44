import { z } from 'zod';
import { unixTimestampSchema } from './common.schema';

/*
 * The values of the webhook fields other than `messages`, as Meta documents
 * them (webhooks reference; genuine bodies in tests/fixtures/meta-2026). Loose
 * objects: a field Meta adds later stays in the stored value.
 */

/** An id Meta sends as a number in some fields and as a string in others: kept as text. */
const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);
const text = z.string().min(1);
/** A count Meta may send as a number or a numeral. */
const count = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((v) => Number(v));

const templateRef = {
  message_template_id: idText,
  message_template_name: z.string().optional(),
  message_template_language: z.string().optional(),
};

export const templateStatusUpdateSchema = z.looseObject({
  ...templateRef,
  event: text,
  reason: z.string().nullish(),
  message_template_category: z.string().optional(),
  rejection_info: z.unknown().optional(),
});

export const templateQualityUpdateSchema = z.looseObject({
  ...templateRef,
  previous_quality_score: z.string().optional(),
  new_quality_score: text,
});

export const templateCategoryUpdateSchema = z.looseObject({
  ...templateRef,
  previous_category: z.string().optional(),
  new_category: text,
});

export const phoneNumberQualityUpdateSchema = z.looseObject({
  display_phone_number: idText,
  event: z.string().optional(),
  current_limit: z.string().optional(),
  old_limit: z.string().optional(),
  max_daily_conversations_per_business: count.optional(),
});

export const businessCapabilityUpdateSchema = z.looseObject({
  max_daily_conversations_per_business: count.optional(),
  max_phone_numbers_per_business: count.optional(),
  max_phone_numbers_per_waba: count.optional(),
});

/** A value with items (user_preferences, calls): the items are parsed one by one. */
const itemsValue = {
  metadata: z.looseObject({ phone_number_id: text }).optional(),
  contacts: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
};

export const userPreferencesValueSchema = z.looseObject({
  ...itemsValue,
  user_preferences: z.array(z.unknown()),
});
export const callsValueSchema = z.looseObject({ ...itemsValue, calls: z.array(z.unknown()) });

export const userPreferenceSchema = z
  .looseObject({
    wa_id: z.string().min(1).optional(),
    user_id: z.string().min(1).optional(),
    category: text,
    value: text,
    detail: z.string().optional(),
    timestamp: unixTimestampSchema.optional(),
  })
  .refine((p) => p.wa_id !== undefined || p.user_id !== undefined, {
    message: 'neither wa_id nor user_id',
    path: ['wa_id'],
  });

export const callSchema = z.looseObject({
  id: text,
  event: z.string().optional(),
  direction: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  from_user_id: z.string().optional(),
  to_user_id: z.string().optional(),
  status: z.string().optional(),
  timestamp: unixTimestampSchema.optional(),
  start_time: unixTimestampSchema.optional(),
  end_time: unixTimestampSchema.optional(),
  duration: count.optional(),
  biz_opaque_callback_data: z.string().optional(),
});

/**
 * The standby field (Meta Business Agent handles the conversation, this app
 * listens): the usual messages value, its items nested under `value.standby`
 * (messages from the customer, message_echoes sent by the agent, statuses of
 * those). Items are parsed one by one with the messages schemas.
 */
export const standbyValueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: text }).optional(),
  standby: z.looseObject({
    contacts: z.array(z.unknown()).optional(),
    messages: z.array(z.unknown()).optional(),
    message_echoes: z.array(z.unknown()).optional(),
    statuses: z.array(z.unknown()).optional(),
  }),
});

/** Whom an echo was sent to: a phone number and/or a business-scoped user id. */
export const echoRecipientSchema = z.looseObject({
  to: z.string().min(1).optional(),
  to_user_id: z.string().min(1).optional(),
});

export const callContactSchema = z.looseObject({
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
});

export type TemplateStatusUpdate = z.infer<typeof templateStatusUpdateSchema>;
export type UserPreference = z.infer<typeof userPreferenceSchema>;
export type CallItem = z.infer<typeof callSchema>;
