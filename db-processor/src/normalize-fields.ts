import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  businessCapabilityUpdateSchema,
  callContactSchema,
  callSchema,
  callsValueSchema,
  echoRecipientSchema,
  messageText,
  parseInboundMessage,
  parseStatus,
  phoneNumberQualityUpdateSchema,
  safeParseOf,
  standbyValueSchema,
  templateCategoryUpdateSchema,
  templateQualityUpdateSchema,
  templateStatusUpdateSchema,
  userPreferenceSchema,
  userPreferencesValueSchema,
} from '@waba/whatsapp';
import {
  ACCOUNT_FIELD_KINDS,
  type AccountFieldsBatch,
  type CallEventInput,
  type MarketingPreferenceInput,
  type StandbyEventInput,
  type TemplateUpdateInput,
} from '@waba/db';
import { describeIssues, unixToDate } from './normalize-common';

/** A typed row waiting for its organization: routed by its number when it names one, else by WABA. */
type Pending<T> = Omit<T, 'organizationId'> & { phoneNumberId: string | null; wabaId: string };

export type PendingAccountFields = {
  [K in keyof AccountFieldsBatch]: Array<Pending<AccountFieldsBatch[K][number]>>;
};

export function emptyPendingAccountFields(): PendingAccountFields {
  const none = () => [];
  return {
    templates: none(),
    phoneNumberEvents: none(),
    businessCapabilities: none(),
    marketingPreferences: none(),
    calls: none(),
    standbyEvents: none(),
  };
}

/** Every pending typed row, whatever its kind (for routing keys). */
export function pendingFieldRows(
  fields: PendingAccountFields,
): Array<{ phoneNumberId: string | null; wabaId: string }> {
  return ACCOUNT_FIELD_KINDS.flatMap(
    (kind): ReadonlyArray<{ phoneNumberId: string | null; wabaId: string }> => fields[kind],
  );
}

/**
 * Fields Meta documents besides `messages`. Those with a typed home are read
 * here; the others (coexistence, identity updates, account_update)
 * keep their value in account_events, where the audit row of every field
 * goes. A field not in this list is one nobody knows yet: kept as jsonb in
 * account_events, and counted (`unknownFields` in webhook_events.item_counts).
 */
export const KNOWN_FIELDS = new Set([
  'messages',
  'message_template_status_update',
  'message_template_quality_update',
  'message_template_components_update',
  'template_category_update',
  'phone_number_quality_update',
  'phone_number_name_update',
  'business_capability_update',
  'account_update',
  'account_alerts',
  'account_review_update',
  'user_preferences',
  'calls',
  'standby',
  'security',
  'flows',
  'history',
  'smb_message_echoes',
  'smb_app_state_sync',
  'user_id_update',
  'partner_solutions',
  'payment_configuration_update',
]);

/** One non-message change, as normalize.ts sees it. */
export interface FieldChange {
  wabaId: string;
  field: string;
  value: Record<string, unknown>;
  /** entry.time, else when the body was received. */
  occurredAt: Date;
  /** The account_events key of the change: typed rows of a single-item change share it. */
  eventKey: string;
  receivedAt: Date;
  /** Where the change is in the body, for the reasons of invalid items. */
  where: string;
}

export interface FieldsOut {
  accountFields: PendingAccountFields;
  invalid: string[];
  unknownFields: number;
}

const itemKey = (change: FieldChange, item: unknown) =>
  createHash('sha256')
    .update(JSON.stringify([change.wabaId, change.field, item]))
    .digest('hex');

/**
 * Reads the typed rows of one non-message change into `out`. An item that
 * fails validation is reported in `out.invalid` (the audit row says
 * `partial`); its value stays in account_events and the raw body.
 */
export function normalizeFieldChange(change: FieldChange, out: FieldsOut): void {
  const { wabaId, value, occurredAt, eventKey } = change;
  const base = { wabaId, phoneNumberId: null, eventKey, occurredAt };
  const invalid = (issues: Parameters<typeof describeIssues>[0]) =>
    out.invalid.push(`${change.where}.value: ${describeIssues(issues)}`);

  switch (change.field) {
    case 'message_template_status_update':
    case 'message_template_quality_update':
    case 'template_category_update':
      return normalizeTemplateUpdate(change, out);
    case 'phone_number_quality_update': {
      const parsed = safeParseOf(phoneNumberQualityUpdateSchema, value);
      if (!parsed.success) return void invalid(parsed.error.issues);
      const v = parsed.data;
      out.accountFields.phoneNumberEvents.push({
        ...base,
        displayPhoneNumber: v.display_phone_number,
        event: v.event ?? null,
        currentLimit: v.current_limit ?? null,
        oldLimit: v.old_limit ?? null,
        maxDailyConversationsPerBusiness: v.max_daily_conversations_per_business ?? null,
        value,
      });
      return;
    }
    case 'business_capability_update': {
      const parsed = safeParseOf(businessCapabilityUpdateSchema, value);
      if (!parsed.success) return void invalid(parsed.error.issues);
      const v = parsed.data;
      out.accountFields.businessCapabilities.push({
        ...base,
        maxDailyConversationsPerBusiness: v.max_daily_conversations_per_business ?? null,
        maxPhoneNumbersPerBusiness: v.max_phone_numbers_per_business ?? null,
        maxPhoneNumbersPerWaba: v.max_phone_numbers_per_waba ?? null,
      });
      return;
    }
    case 'user_preferences':
      return normalizePreferences(change, out);
    case 'calls':
      return normalizeCalls(change, out);
    case 'standby':
      return normalizeStandby(change, out);
    default:
      if (!KNOWN_FIELDS.has(change.field)) out.unknownFields++;
  }
}

/** What each template field says: the status, the quality score or the category. */
const TEMPLATE_UPDATES = {
  message_template_status_update: {
    schema: templateStatusUpdateSchema,
    read: (v: z.output<typeof templateStatusUpdateSchema>) => ({
      status: v.event,
      reason: v.reason ?? null,
      rejectionInfo: v.rejection_info ?? null,
      category: v.message_template_category ?? null,
    }),
  },
  message_template_quality_update: {
    schema: templateQualityUpdateSchema,
    read: (v: z.output<typeof templateQualityUpdateSchema>) => ({
      qualityScore: v.new_quality_score,
      previousValue: v.previous_quality_score ?? null,
    }),
  },
  template_category_update: {
    schema: templateCategoryUpdateSchema,
    read: (v: z.output<typeof templateCategoryUpdateSchema>) => ({
      category: v.new_category,
      previousValue: v.previous_category ?? null,
    }),
  },
};

function normalizeTemplateUpdate(change: FieldChange, out: FieldsOut): void {
  const kind = TEMPLATE_UPDATES[change.field as keyof typeof TEMPLATE_UPDATES];
  const parsed = safeParseOf(kind.schema, change.value);
  if (!parsed.success) {
    out.invalid.push(`${change.where}.value: ${describeIssues(parsed.error.issues)}`);
    return;
  }
  const v = parsed.data;
  out.accountFields.templates.push({
    wabaId: change.wabaId,
    phoneNumberId: null,
    eventKey: change.eventKey,
    occurredAt: change.occurredAt,
    templateId: v.message_template_id,
    field: change.field,
    name: v.message_template_name ?? null,
    language: v.message_template_language ?? null,
    status: null,
    reason: null,
    rejectionInfo: null,
    category: null,
    qualityScore: null,
    previousValue: null,
    value: change.value,
    ...(kind.read as (v: unknown) => Partial<TemplateUpdateInput>)(v),
  });
}

function normalizePreferences(change: FieldChange, out: FieldsOut): void {
  const parsed = safeParseOf(userPreferencesValueSchema, change.value);
  if (!parsed.success) {
    out.invalid.push(`${change.where}.value: ${describeIssues(parsed.error.issues)}`);
    return;
  }
  const phoneNumberId = parsed.data.metadata?.phone_number_id ?? null;
  parsed.data.user_preferences.forEach((item, i) => {
    const p = safeParseOf(userPreferenceSchema, item);
    if (!p.success) {
      out.invalid.push(
        `${change.where}.value.user_preferences[${i}]: ${describeIssues(p.error.issues)}`,
      );
      return;
    }
    const row: Pending<MarketingPreferenceInput> = {
      wabaId: change.wabaId,
      phoneNumberId,
      eventKey: itemKey(change, item),
      occurredAt: unixToDate(p.data.timestamp, change.occurredAt),
      waId: p.data.wa_id ?? null,
      userId: p.data.user_id ?? null,
      category: p.data.category,
      value: p.data.value,
      detail: p.data.detail ?? null,
    };
    out.accountFields.marketingPreferences.push(row);
  });
}

function normalizeCalls(change: FieldChange, out: FieldsOut): void {
  const parsed = safeParseOf(callsValueSchema, change.value);
  if (!parsed.success) {
    out.invalid.push(`${change.where}.value: ${describeIssues(parsed.error.issues)}`);
    return;
  }
  const phoneNumberId = parsed.data.metadata?.phone_number_id ?? null;
  const contacts = (parsed.data.contacts ?? []).flatMap((c) => {
    const contact = safeParseOf(callContactSchema, c);
    return contact.success ? [contact.data] : [];
  });
  parsed.data.calls.forEach((item, i) => {
    const c = safeParseOf(callSchema, item);
    if (!c.success) {
      out.invalid.push(`${change.where}.value.calls[${i}]: ${describeIssues(c.error.issues)}`);
      return;
    }
    const call = c.data;
    const userSide = call.direction === 'BUSINESS_INITIATED' ? 'to' : 'from';
    const contactWaId = call[userSide] ?? null;
    const contact = contacts.find((k) => k.wa_id !== undefined && k.wa_id === contactWaId);
    const row: Pending<CallEventInput> = {
      wabaId: change.wabaId,
      phoneNumberId,
      eventKey: itemKey(change, { ...call, session: undefined }),
      occurredAt: unixToDate(call.timestamp, change.occurredAt),
      callId: call.id,
      event: call.event ?? null,
      direction: call.direction ?? null,
      fromId: call.from ?? null,
      toId: call.to ?? null,
      contactWaId,
      contactUserId: contact?.user_id ?? call[`${userSide}_user_id`] ?? null,
      status: call.status ?? null,
      startedAt: unixToDate(call.start_time, null),
      endedAt: unixToDate(call.end_time, null),
      durationSeconds: call.duration ?? null,
      bizOpaqueCallbackData: call.biz_opaque_callback_data ?? null,
    };
    out.accountFields.calls.push(row);
  });
}

/**
 * The standby field: each message, echo and status of a conversation another
 * sender (Meta Business Agent) handles becomes a standby_events row, routed by
 * its number. None of them is a question for this app's bot.
 */
function normalizeStandby(change: FieldChange, out: FieldsOut): void {
  const parsed = safeParseOf(standbyValueSchema, change.value);
  if (!parsed.success) {
    out.invalid.push(`${change.where}.value: ${describeIssues(parsed.error.issues)}`);
    return;
  }
  const phoneNumberId = parsed.data.metadata?.phone_number_id ?? null;
  const { messages = [], message_echoes: echoes = [], statuses = [] } = parsed.data.standby;
  const push = (
    kind: StandbyEventInput['kind'],
    item: unknown,
    row: Omit<StandbyEventInput, 'organizationId' | 'wabaId' | 'eventKey' | 'kind' | 'payload'>,
  ) =>
    out.accountFields.standbyEvents.push({
      ...row,
      wabaId: change.wabaId,
      eventKey: itemKey(change, { kind, item }),
      kind,
      payload: item,
    });
  const where = (list: string, i: number) => `${change.where}.value.standby.${list}[${i}]`;
  for (const [list, kind, items] of [
    ['messages', 'message', messages],
    ['message_echoes', 'message_echo', echoes],
  ] as const)
    items.forEach((item, i) => {
      const m = parseInboundMessage(item);
      if (!m.success)
        return void out.invalid.push(`${where(list, i)}: ${describeIssues(m.error.issues)}`);
      const to = safeParseOf(echoRecipientSchema, item);
      const customer =
        kind === 'message'
          ? { waId: m.data.from ?? null, userId: m.data.from_user_id ?? null }
          : {
              waId: to.success ? (to.data.to ?? null) : null,
              userId: to.success ? (to.data.to_user_id ?? null) : null,
            };
      push(kind, item, {
        phoneNumberId,
        occurredAt: unixToDate(m.data.timestamp, change.occurredAt),
        wamid: m.data.id,
        direction: kind === 'message' ? 'inbound' : 'outbound',
        contactWaId: customer.waId,
        contactUserId: customer.userId,
        type: m.data.type,
        body: messageText(m.data),
        status: null,
      });
    });
  statuses.forEach((item, i) => {
    const st = parseStatus(item);
    if (!st.success)
      return void out.invalid.push(`${where('statuses', i)}: ${describeIssues(st.error.issues)}`);
    push('status', item, {
      phoneNumberId,
      occurredAt: unixToDate(st.data.timestamp, change.occurredAt),
      wamid: st.data.id,
      direction: 'outbound',
      contactWaId: st.data.recipient_id ?? null,
      contactUserId: st.data.recipient_user_id ?? null,
      type: null,
      body: null,
      status: st.data.status,
    });
  });
}

/**
 * Gives each typed row its organization through `place` (the tenancy rule,
 * routeToOrganization); rows it places nowhere are left out, and `place`
 * records why (unrouted or misrouted).
 */
export function routeAccountFields(
  fields: PendingAccountFields,
  place: (row: { phoneNumberId: string | null; wabaId: string }) => string | undefined,
): AccountFieldsBatch {
  const routed = <K extends keyof AccountFieldsBatch>(kind: K): AccountFieldsBatch[K] =>
    fields[kind].flatMap((row) => {
      const organizationId = place(row);
      return organizationId ? [{ ...row, organizationId }] : [];
    }) as AccountFieldsBatch[K];
  return {
    templates: routed('templates'),
    phoneNumberEvents: routed('phoneNumberEvents'),
    businessCapabilities: routed('businessCapabilities'),
    marketingPreferences: routed('marketingPreferences'),
    calls: routed('calls'),
    standbyEvents: routed('standbyEvents'),
  };
}
