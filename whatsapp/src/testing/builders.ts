import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { metaEscape } from '../meta-json';
import { signPayload } from '../signature';
import type { RawInboundMessage } from '../message.schema';
import type { webhookContactSchema } from '../contact.schema';
import type { webhookErrorSchema } from '../common.schema';
import type { messageStatusSchema } from '../status.schema';
import type { webhookEntrySchema, webhookPayloadSchema } from '../webhook.schema';
import {
  DEFAULT_CUSTOMER_NAME,
  DEFAULT_CUSTOMER_WA_ID,
  DEFAULT_DISPLAY_PHONE_NUMBER,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  unixNow,
} from './ids';

export * from './message-builders';

export type RawWebhookPayload = z.input<typeof webhookPayloadSchema>;
export type RawWebhookEntry = z.input<typeof webhookEntrySchema>;
export type RawMessageStatus = z.input<typeof messageStatusSchema>;
export type RawWebhookContact = z.input<typeof webhookContactSchema>;
export type RawWebhookError = z.input<typeof webhookErrorSchema>;

export function webhookPayload(options: { entries: RawWebhookEntry[] }): RawWebhookPayload {
  return { object: 'whatsapp_business_account', entry: options.entries };
}

export function contact(
  options: { waId?: string; name?: string; userId?: string } = {},
): RawWebhookContact {
  return {
    profile: { name: options.name ?? DEFAULT_CUSTOMER_NAME },
    wa_id: options.waId ?? DEFAULT_CUSTOMER_WA_ID,
    ...(options.userId === undefined ? {} : { user_id: options.userId }),
  };
}

/**
 * Makes customer messages come from a user known only by username, as Meta
 * sends them: each message has `from_user_id` and no `from`, and the change
 * gets the matching contact (`user_id`, `parent_user_id`, `profile.username`,
 * no `wa_id`). Use the result as `messagesEntry`'s `messages` and `contacts`.
 */
export function fromUsernameUser(
  messages: readonly RawInboundMessage[],
  user: { userId: string; username: string; parentUserId?: string; name?: string },
): { messages: unknown[]; contacts: unknown[] } {
  const parent =
    user.parentUserId ?? `${user.userId.split('.')[0]}.ENT.${user.userId.split('.').pop()}`;
  return {
    messages: messages.map(({ from: _from, ...m }) => ({
      ...m,
      from_user_id: user.userId,
      from_parent_user_id: parent,
    })),
    contacts: [
      {
        profile: { name: user.name ?? DEFAULT_CUSTOMER_NAME, username: user.username },
        user_id: user.userId,
        parent_user_id: parent,
      },
    ],
  };
}

/**
 * An entry with one `messages` change. When messages are given without
 * contacts, one contact per sender is added, as Meta does.
 */
export function messagesEntry(options: {
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  contacts?: unknown[];
  messages?: unknown[];
  statuses?: unknown[];
  errors?: unknown[];
}): RawWebhookEntry {
  const contacts = options.contacts ?? defaultContacts(options.messages);
  const value = {
    messaging_product: 'whatsapp',
    metadata: {
      display_phone_number: options.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
      phone_number_id: options.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
    },
    ...(contacts === undefined ? {} : { contacts }),
    ...(options.messages === undefined ? {} : { messages: options.messages }),
    ...(options.statuses === undefined ? {} : { statuses: options.statuses }),
    ...(options.errors === undefined ? {} : { errors: options.errors }),
  };
  return { id: options.wabaId ?? DEFAULT_WABA_ID, changes: [{ field: 'messages', value }] };
}

function defaultContacts(messages: unknown[] | undefined): RawWebhookContact[] | undefined {
  if (!messages || messages.length === 0) return undefined;
  const senders = new Set<string>();
  for (const message of messages) {
    const from = (message as { from?: unknown } | null)?.from;
    if (typeof from === 'string') senders.add(from);
  }
  return [...senders].map((waId) => contact({ waId }));
}

type StatusPricing = NonNullable<RawMessageStatus['pricing']>;
type StatusConversation = NonNullable<RawMessageStatus['conversation']>;

/**
 * A delivery status. `sent` and `delivered` carry conversation and pricing
 * (as Meta sends them); `failed` carries an error (131026 by default). Pass
 * `null` for pricing or conversation to leave them out.
 */
export function status(options: {
  id: string;
  status: string;
  recipientId?: string;
  /** A user known only by username: `recipient_user_id` instead of `recipient_id`, as Meta sends it. */
  recipientUserId?: string;
  timestamp?: string;
  bizOpaque?: string;
  errors?: RawWebhookError[];
  pricing?: StatusPricing | null;
  conversation?: StatusConversation | null;
}): RawMessageStatus {
  const billed = options.status === 'sent' || options.status === 'delivered';
  const conversation =
    options.conversation === undefined
      ? billed
        ? defaultConversation()
        : null
      : options.conversation;
  const pricing =
    options.pricing === undefined ? (billed ? defaultPricing() : null) : options.pricing;
  const errors =
    options.errors ?? (options.status === 'failed' ? [undeliverableError()] : undefined);
  return {
    id: options.id,
    status: options.status,
    timestamp: options.timestamp ?? unixNow(),
    ...(options.recipientUserId === undefined
      ? { recipient_id: options.recipientId ?? DEFAULT_CUSTOMER_WA_ID }
      : { recipient_user_id: options.recipientUserId }),
    ...(options.bizOpaque === undefined ? {} : { biz_opaque_callback_data: options.bizOpaque }),
    ...(conversation === null ? {} : { conversation }),
    ...(pricing === null ? {} : { pricing }),
    ...(errors === undefined ? {} : { errors }),
  };
}

function defaultConversation(): StatusConversation {
  const expiresAt = Math.floor(Date.now() / 1000) + 24 * 60 * 60;
  return {
    id: randomBytes(16).toString('hex'),
    expiration_timestamp: String(expiresAt),
    origin: { type: 'marketing' },
  };
}

function defaultPricing(): StatusPricing {
  return { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' };
}

export function undeliverableError(): RawWebhookError {
  return {
    code: 131026,
    title: 'Message undeliverable',
    message: 'Message undeliverable',
    error_data: { details: 'Message Undeliverable.' },
    href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
  };
}

export function templateStatusEntry(options: {
  wabaId?: string;
  event: string;
  templateId: number | string;
  templateName: string;
  language?: string;
  reason?: string | null;
}): RawWebhookEntry {
  const value = {
    event: options.event,
    message_template_id: Number(options.templateId),
    message_template_name: options.templateName,
    message_template_language: options.language ?? 'en_US',
    reason: options.reason ?? 'NONE',
  };
  return nonMessagesEntry(options.wabaId, 'message_template_status_update', value);
}

export function qualityUpdateEntry(
  options: {
    wabaId?: string;
    displayPhoneNumber?: string;
    event?: string;
    currentLimit?: string;
  } = {},
): RawWebhookEntry {
  const value = {
    display_phone_number: options.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
    event: options.event ?? 'FLAGGED',
    current_limit: options.currentLimit ?? 'TIER_1K',
  };
  return nonMessagesEntry(options.wabaId, 'phone_number_quality_update', value);
}

export function accountUpdateEntry(
  options: {
    wabaId?: string;
    phoneNumber?: string;
    event?: string;
    extra?: Record<string, unknown>;
  } = {},
): RawWebhookEntry {
  const value = {
    phone_number: options.phoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
    event: options.event ?? 'VERIFIED_ACCOUNT',
    ...options.extra,
  };
  return nonMessagesEntry(options.wabaId, 'account_update', value);
}

function nonMessagesEntry(
  wabaId: string | undefined,
  field: string,
  value: Record<string, unknown>,
): RawWebhookEntry {
  return { id: wabaId ?? DEFAULT_WABA_ID, time: Number(unixNow()), changes: [{ field, value }] };
}

/** Serialise as Meta does on the wire and sign, for realistic POST bodies. */
export function signedBody(payload: object, secret: string): { raw: string; signature: string } {
  const raw = metaEscape(JSON.stringify(payload));
  return { raw, signature: signPayload(raw, secret) };
}

export type { RawInboundMessage };
