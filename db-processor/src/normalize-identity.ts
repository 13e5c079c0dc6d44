import type { InboundMessage, MessageStatus, WebhookContact } from '@waba/whatsapp';
import type { IdentityChange, InboundMessageInput } from '@waba/db';
import { z } from 'zod';

/** The customer's ids as one webhook item carried them. */
export interface ItemIdentity {
  waId: string | null;
  userId: string | null;
}

/**
 * Who sent a customer message: `from` (phone) and/or `from_user_id` (BSUID).
 * Some messages name neither (a contact card sent on request): then the one
 * contact of the change is the sender.
 */
export function messageIdentity(
  m: InboundMessage,
  contacts: readonly WebhookContact[] = [],
): ItemIdentity {
  if (m.from === undefined && m.from_user_id === undefined && contacts.length === 1) {
    const only = contacts[0]!;
    return { waId: only.wa_id ?? null, userId: only.user_id ?? null };
  }
  return { waId: m.from ?? null, userId: m.from_user_id ?? null };
}

/** Whom a status is about: `recipient_id` (phone) and/or `recipient_user_id` (BSUID). */
export function statusIdentity(s: MessageStatus): ItemIdentity {
  return { waId: s.recipient_id ?? null, userId: s.recipient_user_id ?? null };
}

/** A `contacts[]` item as the contact resolver takes it. */
export function contactIdentity(c: WebhookContact) {
  return {
    waId: c.wa_id ?? null,
    userId: c.user_id ?? null,
    parentUserId: c.parent_user_id ?? null,
    username: c.profile?.username ?? null,
    profileName: c.profile?.name ?? null,
  };
}

// "User Sheena Nelson changed from US.1010… to US.1349…": some payloads carry the old id only in the text.
const CHANGED_FROM = /\bfrom\s+(\S+)\s+to\s+(\S+?)\.?$/;

/**
 * The re-key a system message announces, if any: `user_changed_number`
 * (`from` → `system.wa_id`) or `user_changed_user_id` (`previous_user_id` or
 * the id named in the body → `system.user_id`).
 */
export function identityChangeOf(m: InboundMessage): InboundMessageInput['identityChange'] {
  const system = m.system;
  if (m.type !== 'system' || !system) return undefined;
  if (system.type === 'user_changed_number') {
    const next = system.new_wa_id ?? system.wa_id;
    if (!next) return undefined;
    return {
      kind: 'user_changed_number',
      previous: { waId: m.from ?? CHANGED_FROM.exec(system.body)?.[1] ?? null, userId: null },
      next: { waId: next, userId: null },
    };
  }
  if (system.type === 'user_changed_user_id') {
    const next = system.user_id;
    if (!next) return undefined;
    const previous = system.previous_user_id ?? CHANGED_FROM.exec(system.body)?.[1] ?? null;
    return {
      kind: 'user_changed_user_id',
      previous: { waId: null, userId: previous === next ? null : previous },
      next: { waId: null, userId: next, parentUserId: system.parent_user_id ?? null },
    };
  }
  return undefined;
}

const userIdUpdateSchema = z.looseObject({
  wa_id: z.string().min(1).optional(),
  user_id: z.looseObject({ previous: z.string().optional(), current: z.string().min(1) }),
  parent_user_id: z
    .looseObject({ previous: z.string().optional(), current: z.string().optional() })
    .optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
});

/**
 * The re-keys a `user_id_update` change announces: the contact (by phone
 * number or previous user id) takes the current business-scoped user id.
 * Items that do not read are left to the account event that keeps the value.
 */
export function userIdUpdates(
  value: Record<string, unknown>,
  fallbackAt: Date,
): Omit<IdentityChange, 'organizationId'>[] {
  const items = Array.isArray(value.user_id_update) ? value.user_id_update : [];
  return items.flatMap((item) => {
    const parsed = userIdUpdateSchema.safeParse(item);
    if (!parsed.success) return [];
    const u = parsed.data;
    const seconds = Number(u.timestamp);
    return [
      {
        kind: 'user_id_update' as const,
        previous: { waId: u.wa_id ?? null, userId: u.user_id.previous ?? null },
        next: {
          waId: u.wa_id ?? null,
          userId: u.user_id.current,
          parentUserId: u.parent_user_id?.current ?? null,
        },
        wamid: null,
        occurredAt: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : fallbackAt,
      },
    ];
  });
}
