import { z } from 'zod';
import { safeParseOf } from './safe-parse';
import { unixTimestampSchema, webhookErrorSchema } from './common.schema';

// Meta documents id, mime_type and sha256 on every media object, but a message
// that lacks one is still a customer message: it must be stored, not dropped.
const mediaSchema = z.looseObject({
  id: z.string().optional(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  animated: z.boolean().optional(),
  voice: z.boolean().optional(),
});

const contextSchema = z.looseObject({
  // A forwarded message carries `forwarded` without `from`/`id`.
  from: z.string().optional(),
  id: z.string().optional(),
  forwarded: z.boolean().optional(),
  frequently_forwarded: z.boolean().optional(),
  referred_product: z
    .looseObject({ catalog_id: z.string(), product_retailer_id: z.string() })
    .optional(),
});

const referralSchema = z.looseObject({
  source_url: z.string().optional(),
  source_id: z.string().optional(),
  source_type: z.string().optional(),
  headline: z.string().optional(),
  body: z.string().optional(),
  media_type: z.string().optional(),
  image_url: z.string().optional(),
  video_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  ctwa_clid: z.string().optional(),
});

// Shared contact cards are free-form vCard-like objects: only the name is worth typing.
const sharedContactSchema = z.looseObject({
  name: z
    .looseObject({
      formatted_name: z.string().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
    })
    .optional(),
  phones: z.array(z.looseObject({})).optional(),
  emails: z.array(z.looseObject({})).optional(),
});

const interactiveSchema = z.looseObject({
  type: z.string(),
  button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
  list_reply: z
    .looseObject({ id: z.string(), title: z.string(), description: z.string().optional() })
    .optional(),
  nfm_reply: z
    .looseObject({
      name: z.string().optional(),
      body: z.string().optional(),
      response_json: z.string(),
    })
    .optional(),
});

const orderSchema = z.looseObject({
  catalog_id: z.string(),
  text: z.string().optional(),
  product_items: z.array(
    z.looseObject({
      product_retailer_id: z.string(),
      quantity: z.union([z.number(), z.string()]).optional(),
      item_price: z.union([z.number(), z.string()]).optional(),
      currency: z.string().optional(),
    }),
  ),
});

/**
 * One inbound message. `type` is a free string and every per-type object is
 * optional so a type Meta adds tomorrow still parses and can be stored raw.
 */
export const inboundMessageSchema = z.looseObject({
  /** The customer's phone number; absent for a user known only by username (then `from_user_id`). */
  from: z.string().min(1).optional(),
  from_user_id: z.string().min(1).optional(),
  from_parent_user_id: z.string().min(1).optional(),
  id: z.string().min(1),
  timestamp: unixTimestampSchema,
  type: z.string().min(1),
  context: contextSchema.optional(),
  referral: referralSchema.optional(),
  errors: z.array(webhookErrorSchema).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: mediaSchema.optional(),
  video: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  contacts: z.array(sharedContactSchema).optional(),
  interactive: interactiveSchema.optional(),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  order: orderSchema.optional(),
  system: z
    .looseObject({
      body: z.string(),
      type: z.string(),
      wa_id: z.string().optional(),
      new_wa_id: z.string().optional(),
      user_id: z.string().optional(),
      previous_user_id: z.string().optional(),
      parent_user_id: z.string().optional(),
    })
    .optional(),
  request_welcome: z.looseObject({}).optional(),
  unsupported: z.looseObject({ type: z.string().optional() }).optional(),
});

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
/** The wire shape, before normalisation (timestamp may be a number). */
export type RawInboundMessage = z.input<typeof inboundMessageSchema>;

export function parseInboundMessage(item: unknown): z.ZodSafeParseResult<InboundMessage> {
  return safeParseOf(inboundMessageSchema, item);
}
