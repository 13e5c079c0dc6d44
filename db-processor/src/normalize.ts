import { createHash } from 'node:crypto';
import {
  isMessagesField,
  messageText,
  parseContact,
  parseInboundMessage,
  parseStatus,
  type WebhookPayload,
} from '@waba/whatsapp';
import {
  emptyPendingThread,
  normalizeCoexistenceChange,
  type PendingThread,
} from './normalize-coexistence';
import { takeRevisionItem } from './normalize-revisions';
import { parseCampaignTag } from '@waba/db';
import { describeIssues as describe, unixToDate } from './normalize-common';
import {
  emptyPendingAccountFields,
  normalizeFieldChange,
  type PendingAccountFields,
} from './normalize-fields';
import {
  contactIdentity,
  identityChangeOf,
  messageIdentity,
  statusIdentity,
  userIdUpdates,
} from './normalize-identity';

import type {
  PendingAccountEvent,
  PendingContact,
  PendingInbound,
  PendingStatus,
} from './normalize-common';

export type {
  Pending,
  PendingAccountEvent,
  PendingContact,
  PendingInbound,
  PendingStatus,
} from './normalize-common';

export interface NormalizedWebhook {
  fields: string[];
  contacts: PendingContact[];
  inbound: PendingInbound[];
  statuses: PendingStatus[];
  accountEvents: PendingAccountEvent[];
  /** Echoes, history, edits, revokes, reactions and coexistence contacts (normalize-coexistence.ts). */
  thread: PendingThread;
  /** Typed rows of the non-message fields (normalize-fields.ts). */
  accountFields: PendingAccountFields;
  /** Changes of fields nobody knows yet (kept in account_events as jsonb). */
  unknownFields: number;
  /** Items that could not be read, with where and why; the raw payload keeps them. */
  invalid: string[];
}

export { unixToDate } from './normalize-common';

/**
 * Turns one webhook into rows: every entry, every change, every message,
 * status, contact and account event. A malformed item is skipped and
 * reported; its neighbours are kept.
 */
export function emptyNormalizedWebhook(): NormalizedWebhook {
  return {
    fields: [],
    contacts: [],
    inbound: [],
    statuses: [],
    accountEvents: [],
    thread: emptyPendingThread(),
    accountFields: emptyPendingAccountFields(),
    unknownFields: 0,
    invalid: [],
  };
}

export function normalizeWebhook(payload: WebhookPayload, receivedAt: Date): NormalizedWebhook {
  const out = emptyNormalizedWebhook();
  const fields = new Set<string>();

  payload.entry.forEach((entry, e) => {
    const wabaId = entry.id;
    entry.changes.forEach((change, c) => {
      fields.add(change.field);
      const where = `entry[${e}].changes[${c}]`;
      if (
        normalizeCoexistenceChange(out, change, { wabaId, where, receivedAt, unixToDate, describe })
      )
        return;
      if (!isMessagesField(change)) {
        const value = change.value as Record<string, unknown>;
        const occurredAt = unixToDate(entry.time, receivedAt);
        const eventKey = createHash('sha256')
          .update(JSON.stringify([wabaId, change.field, entry.time ?? null, value]))
          .digest('hex');
        normalizeFieldChange(
          { wabaId, field: change.field, value, occurredAt, eventKey, receivedAt, where },
          out,
        );
        out.accountEvents.push({
          phoneNumberId: null,
          wabaId,
          field: change.field,
          eventKey,
          event:
            typeof value.event === 'string'
              ? value.event
              : typeof value.decision === 'string'
                ? value.decision
                : null,
          value,
          occurredAt,
          identityChanges:
            change.field === 'user_id_update' ? userIdUpdates(value, occurredAt) : [],
        });
        return;
      }
      const value = change.value;
      const phoneNumberId = value.metadata.phone_number_id;
      const lastSeen = new Map<string, Date>();
      const changeContacts = (value.contacts ?? []).flatMap((item) => {
        const parsed = parseContact(item);
        return parsed.success ? [parsed.data] : [];
      });

      (value.messages ?? []).forEach((item, i) => {
        const parsed = parseInboundMessage(item);
        if (!parsed.success) {
          out.invalid.push(`${where}.value.messages[${i}]: ${describe(parsed.error.issues)}`);
          return;
        }
        const m = parsed.data;
        const occurredAt = unixToDate(m.timestamp, receivedAt);
        const sender = messageIdentity(m, changeContacts);
        const identityChange = identityChangeOf(m);
        if (sender.waId === null && sender.userId === null && !identityChange) {
          out.invalid.push(
            `${where}.value.messages[${i}]: no from, from_user_id or identity change`,
          );
          return;
        }
        for (const key of [sender.waId, sender.userId])
          if (key !== null && (lastSeen.get(key) ?? 0) < occurredAt) lastSeen.set(key, occurredAt);
        // Edits, revokes and reactions change the message they name (normalize-revisions.ts).
        const change = {
          phoneNumberId,
          wabaId,
          // A username-only customer has no phone number: the BSUID keys the reaction instead.
          contactWaId: sender.waId ?? sender.userId!,
          direction: 'inbound' as const,
          source: 'cloud_api' as const,
          occurredAt,
          payload: item,
        };
        if (takeRevisionItem(out, m, change, `${where}.value.messages[${i}]`)) return;
        out.inbound.push({
          phoneNumberId,
          wabaId,
          wamid: m.id,
          contactWaId: sender.waId,
          contactUserId: sender.userId,
          identityChange,
          type: m.type,
          body: messageText(m),
          payload: item,
          contextWamid: m.context?.id ?? null,
          occurredAt,
          errors: m.errors ?? null,
        });
      });

      (value.contacts ?? []).forEach((item, i) => {
        const parsed = parseContact(item);
        if (!parsed.success) {
          out.invalid.push(`${where}.value.contacts[${i}]: ${describe(parsed.error.issues)}`);
          return;
        }
        const identity = contactIdentity(parsed.data);
        out.contacts.push({
          phoneNumberId,
          wabaId,
          ...identity,
          seenAt:
            (identity.waId !== null ? lastSeen.get(identity.waId) : undefined) ??
            (identity.userId !== null ? lastSeen.get(identity.userId) : undefined) ??
            receivedAt,
        });
      });

      (value.statuses ?? []).forEach((item, i) => {
        const parsed = parseStatus(item);
        if (!parsed.success) {
          out.invalid.push(`${where}.value.statuses[${i}]: ${describe(parsed.error.issues)}`);
          return;
        }
        const s = parsed.data;
        const error = s.errors?.[0];
        out.statuses.push({
          phoneNumberId,
          wabaId,
          wamid: s.id,
          status: s.status,
          occurredAt: unixToDate(s.timestamp, receivedAt),
          ...(({ waId, userId }) => ({ recipientId: waId, recipientUserId: userId }))(
            statusIdentity(s),
          ),
          errorCode: typeof error?.code === 'number' ? error.code : null,
          errorTitle: error ? (error.title ?? error.message ?? null) : null,
          bizOpaqueCallbackData: s.biz_opaque_callback_data ?? null,
          campaignId: parseCampaignTag(s.biz_opaque_callback_data),
          conversationId: s.conversation?.id ?? null,
          pricingCategory: s.pricing?.category ?? null,
          pricingModel: s.pricing?.pricing_model ?? null,
          pricingType: s.pricing?.type ?? null,
          billable: s.pricing?.billable ?? null,
          conversationOrigin: s.conversation?.origin?.type ?? null,
          conversationExpiresAt:
            s.conversation?.expiration_timestamp === undefined
              ? null
              : unixToDate(s.conversation.expiration_timestamp, receivedAt),
          payload: item,
        });
      });

      // Value-level errors (a problem Meta reports about the number or the
      // webhook itself) are account events of the number's organization.
      (value.errors ?? []).forEach((item) => {
        out.accountEvents.push({
          phoneNumberId,
          wabaId,
          field: 'messages.errors',
          eventKey: createHash('sha256')
            .update(JSON.stringify([wabaId, phoneNumberId, item]))
            .digest('hex'),
          event: 'error',
          value: item,
          occurredAt: receivedAt,
        });
      });
    });
  });
  out.fields = [...fields];
  return out;
}
