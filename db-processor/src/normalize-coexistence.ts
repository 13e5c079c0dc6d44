import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  messageText,
  parseContact,
  parseInboundMessage,
  type InboundMessage,
  type WebhookChange,
} from '@waba/whatsapp';
import type { MessageDirection, ThreadContactInput, ThreadMessageInput } from '@waba/db';
import type { Pending, PendingAccountEvent } from './normalize-common';
import { contactIdentity } from './normalize-identity';
import {
  takeRevisionItem,
  type ItemContext,
  type PendingReaction,
  type PendingRevision,
} from './normalize-revisions';

export type PendingThreadMessage = Pending<ThreadMessageInput>;
export type PendingThreadContact = Pending<ThreadContactInput>;

/** Thread rows waiting for their organization (routed by phone number, like customer messages). */
export interface PendingThread {
  messages: PendingThreadMessage[];
  revisions: PendingRevision[];
  reactions: PendingReaction[];
  contacts: PendingThreadContact[];
}

/** What the coexistence fields add to a normalized webhook. */
interface ThreadOut {
  thread: PendingThread;
  accountEvents: PendingAccountEvent[];
  invalid: string[];
}

export function emptyPendingThread(): PendingThread {
  return { messages: [], revisions: [], reactions: [], contacts: [] };
}

/** Fields a number used in the WhatsApp Business app at the same time (coexistence) sends. */
export const COEXISTENCE_FIELDS: ReadonlySet<string> = new Set([
  'smb_message_echoes',
  'history',
  'smb_app_state_sync',
]);

const items = z.array(z.unknown()).optional();
const coexistenceValueSchema = z.looseObject({
  metadata: z.looseObject({
    display_phone_number: z.string(),
    phone_number_id: z.string().min(1),
  }),
  contacts: items,
  message_echoes: items,
  messages: items,
  history: items,
  state_sync: items,
});
type CoexistenceValue = z.infer<typeof coexistenceValueSchema>;

/** Whom the business wrote to: a phone number (`to`) and/or a business-scoped user id (`to_user_id`). */
const recipientSchema = z.looseObject({
  to: z.string().min(1).optional(),
  to_user_id: z.string().min(1).optional(),
  to_parent_user_id: z.string().min(1).optional(),
});
const historyChunkSchema = z.looseObject({
  metadata: z.looseObject({}).optional(),
  errors: z.array(z.looseObject({ code: z.number().optional() })).optional(),
  threads: z.array(z.looseObject({ id: z.string().min(1), messages: items })).optional(),
});
const historyContextSchema = z.looseObject({ status: z.string().optional() }).optional();
const stateSyncSchema = z.looseObject({
  type: z.string(),
  action: z.string(),
  contact: z
    .looseObject({
      phone_number: z.string().min(1).optional(),
      /** A username-only entry of the address book: its business-scoped user id. */
      user_id: z.string().min(1).optional(),
      full_name: z.string().optional(),
      first_name: z.string().optional(),
    })
    .optional(),
  metadata: z.looseObject({ timestamp: z.union([z.string(), z.number()]).optional() }).optional(),
});

/** Meta's error code for a history sync the business turned off in the app. */
export const HISTORY_DECLINED_CODE = 2593109;

/** The customer of a coexistence item: a phone number, a business-scoped user id, or both. */
interface Customer {
  waId: string | null;
  userId: string | null;
  parentUserId?: string | null;
  username?: string | null;
}

/** The recipient an echo (or a business message of the history) names. */
function recipientOf(item: unknown): Customer | null {
  const to = recipientSchema.safeParse(item);
  if (!to.success) return null;
  return {
    waId: to.data.to ?? null,
    userId: to.data.to_user_id ?? null,
    parentUserId: to.data.to_parent_user_id ?? null,
  };
}

/**
 * The customer of a history message: its sender when the customer wrote it
 * (`from`, `from_user_id`), else whom the business wrote to. Null when the
 * message names no customer.
 */
function customerOf(m: InboundMessage, item: unknown, display: string): Customer | null {
  if (m.from !== display && (m.from !== undefined || m.from_user_id !== undefined))
    return { waId: m.from ?? null, userId: m.from_user_id ?? null };
  const to = recipientOf(item);
  return to && (to.waId !== null || to.userId !== null) ? to : null;
}

// A business-scoped user id has a country prefix (US.1349…, US.ENT.…); a wa_id is digits only.
const PHONE_NUMBER = /^\d+$/;

/** A history thread's customer by the thread id: a phone number, or a username-only user's BSUID. */
function threadCustomer(id: string): Customer {
  return PHONE_NUMBER.test(id) ? { waId: id, userId: null } : { waId: null, userId: id };
}

/** The phone number a change is addressed to: customer messages and the coexistence fields carry one. */
export function coexistencePhoneNumberIdOf(change: WebhookChange): string | null {
  if (!COEXISTENCE_FIELDS.has(change.field)) return null;
  const parsed = coexistenceValueSchema.safeParse(change.value);
  return parsed.success ? parsed.data.metadata.phone_number_id : null;
}

/** A history message's status as the messages table spells it (PLAYED → played, ERROR → failed). */
function historyStatus(direction: MessageDirection, item: unknown): string {
  if (direction === 'inbound') return 'received';
  const context = historyContextSchema.safeParse(
    (item as { history_context?: unknown }).history_context,
  );
  const status = context.success ? context.data?.status?.toLowerCase() : undefined;
  return status === 'error' ? 'failed' : (status ?? 'sent');
}

interface Where {
  wabaId: string;
  value: CoexistenceValue;
  where: string;
  receivedAt: Date;
  unixToDate: (value: string | undefined, fallback: Date) => Date;
  describe: (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) => string;
}

/**
 * One message of the thread from the app (echo) or its history: an edit,
 * revoke or reaction becomes a revision of the message it names, any other
 * type a message row with its own direction and time. Plus its contact.
 */
function addThreadItem(
  out: ThreadOut,
  w: Where,
  path: string,
  item: unknown,
  how: { source: 'business_app' | 'history'; customer: (m: InboundMessage) => Customer | null },
): void {
  const parsed = parseInboundMessage(item);
  if (!parsed.success) {
    out.invalid.push(`${w.where}.value.${path}: ${w.describe(parsed.error.issues)}`);
    return;
  }
  const m = parsed.data;
  const customer = how.customer(m);
  if (customer === null || (customer.waId === null && customer.userId === null)) {
    out.invalid.push(`${w.where}.value.${path}: no customer (to, to_user_id) to file it under`);
    return;
  }
  const phoneNumberId = w.value.metadata.phone_number_id;
  const direction: MessageDirection =
    how.source === 'business_app' || m.from === w.value.metadata.display_phone_number
      ? 'outbound'
      : 'inbound';
  const occurredAt = w.unixToDate(m.timestamp, w.receivedAt);
  const ctx: ItemContext = {
    phoneNumberId,
    wabaId: w.wabaId,
    // A username-only customer has no phone number: the BSUID keys the reaction instead.
    contactWaId: customer.waId ?? customer.userId!,
    direction,
    source: how.source,
    occurredAt,
    payload: item,
  };
  addCoexistenceContact(out, { ...ctx, customer }, null, null);
  if (!takeRevisionItem(out, m, ctx, `${w.where}.value.${path}`))
    out.thread.messages.push({
      phoneNumberId,
      wabaId: w.wabaId,
      wamid: m.id,
      contactWaId: customer.waId,
      contactUserId: customer.userId,
      direction,
      source: how.source,
      type: m.type,
      body: messageText(m),
      payload: item,
      contextWamid: m.context?.id ?? null,
      status: how.source === 'business_app' ? 'sent' : historyStatus(direction, item),
      occurredAt,
    });
}

/**
 * Every contact coexistence names (echo recipients, history threads, the
 * app's address book) goes through here into `thread.contacts`, resolved by
 * `resolveContacts` with the batch's other sightings: by phone number, by
 * business-scoped user id, or both.
 */
function addCoexistenceContact(
  out: ThreadOut,
  at: { phoneNumberId: string; wabaId: string; customer: Customer; occurredAt: Date },
  profileName: string | null,
  addressBook: ThreadContactInput['addressBook'],
): void {
  out.thread.contacts.push({
    phoneNumberId: at.phoneNumberId,
    wabaId: at.wabaId,
    waId: at.customer.waId,
    userId: at.customer.userId,
    parentUserId: at.customer.parentUserId ?? null,
    username: at.customer.username ?? null,
    profileName,
    seenAt: at.occurredAt,
    addressBook,
  });
}

const placeOf = (w: Where, customer: Customer, occurredAt: Date) => ({
  phoneNumberId: w.value.metadata.phone_number_id,
  wabaId: w.wabaId,
  customer,
  occurredAt,
});

function accountEvent(
  out: ThreadOut,
  w: Where,
  field: string,
  event: string,
  value: unknown,
): void {
  const phoneNumberId = w.value.metadata.phone_number_id;
  out.accountEvents.push({
    phoneNumberId,
    wabaId: w.wabaId,
    field,
    eventKey: createHash('sha256')
      .update(JSON.stringify([w.wabaId, phoneNumberId, field, value]))
      .digest('hex'),
    event,
    value,
    occurredAt: w.receivedAt,
  });
}

function echoes(out: ThreadOut, w: Where): void {
  (w.value.message_echoes ?? []).forEach((item, i) => {
    addThreadItem(out, w, `message_echoes[${i}]`, item, {
      source: 'business_app',
      customer: () => recipientOf(item),
    });
  });
  (w.value.contacts ?? []).forEach((item) => {
    const contact = parseContact(item);
    if (!contact.success) return;
    const { profileName, ...customer } = contactIdentity(contact.data);
    if (customer.waId === null && customer.userId === null) return;
    addCoexistenceContact(out, placeOf(w, customer, w.receivedAt), profileName, null);
  });
}

function history(out: ThreadOut, w: Where): void {
  const display = w.value.metadata.display_phone_number;
  (w.value.history ?? []).forEach((item, h) => {
    const chunk = historyChunkSchema.safeParse(item);
    if (!chunk.success) {
      out.invalid.push(`${w.where}.value.history[${h}]: ${w.describe(chunk.error.issues)}`);
      return;
    }
    const { errors, metadata, threads } = chunk.data;
    // The sync's own progress, or why it did not happen, for the operator.
    if (errors?.length) {
      const declined = errors.some((e) => e.code === HISTORY_DECLINED_CODE);
      accountEvent(out, w, 'history', declined ? 'declined' : 'error', { errors });
    }
    if (metadata)
      accountEvent(out, w, 'history', 'progress', {
        ...metadata,
        threads: (threads ?? []).map((t) => t.id),
      });
    (threads ?? []).forEach((thread, t) =>
      (thread.messages ?? []).forEach((message, i) =>
        addThreadItem(out, w, `history[${h}].threads[${t}].messages[${i}]`, message, {
          source: 'history',
          customer: (m) => customerOf(m, message, display) ?? threadCustomer(thread.id),
        }),
      ),
    );
  });
  // Media content of an earlier placeholder comes as `messages` under the history field.
  (w.value.messages ?? []).forEach((item, i) => {
    addThreadItem(out, w, `messages[${i}]`, item, {
      source: 'history',
      customer: (m) => customerOf(m, item, display),
    });
  });
}

function stateSync(out: ThreadOut, w: Where): void {
  (w.value.state_sync ?? []).forEach((item, i) => {
    const sync = stateSyncSchema.safeParse(item);
    if (!sync.success) {
      out.invalid.push(`${w.where}.value.state_sync[${i}]: ${w.describe(sync.error.issues)}`);
      return;
    }
    const { type, action, contact, metadata } = sync.data;
    if (type !== 'contact' || !contact) {
      // A kind of app state nobody knows yet: kept for the operator.
      accountEvent(out, w, 'smb_app_state_sync', type, item);
      return;
    }
    const at = w.unixToDate(
      metadata?.timestamp === undefined ? undefined : String(metadata.timestamp),
      w.receivedAt,
    );
    const customer = { waId: contact.phone_number ?? null, userId: contact.user_id ?? null };
    if (customer.waId === null && customer.userId === null) {
      out.invalid.push(
        `${w.where}.value.state_sync[${i}]: contact without phone_number or user_id`,
      );
      return;
    }
    addCoexistenceContact(out, placeOf(w, customer, at), null, {
      name: action === 'remove' ? null : (contact.full_name ?? contact.first_name ?? null),
      at,
    });
  });
}

/**
 * Coexistence fields become thread rows instead of account events:
 * `smb_message_echoes` → outbound messages (source business_app), `history`
 * → messages with their own direction and time (source history) plus the
 * sync's progress or refusal, `smb_app_state_sync` → contacts. False when the
 * change is not one of them (or carries no number to route it by).
 */
export function normalizeCoexistenceChange(
  out: ThreadOut,
  change: WebhookChange,
  w: Omit<Where, 'value'>,
): boolean {
  if (!COEXISTENCE_FIELDS.has(change.field)) return false;
  const parsed = coexistenceValueSchema.safeParse(change.value);
  if (!parsed.success) return false;
  const where = { ...w, value: parsed.data };
  if (change.field === 'smb_message_echoes') echoes(out, where);
  else if (change.field === 'history') history(out, where);
  else stateSync(out, where);
  return true;
}
