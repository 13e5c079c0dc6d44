import { sql, type Kysely, type Transaction } from 'kysely';
import { answerTriggerOf, MARKETING_LIMIT_CODE, MARKETING_LIMIT_RETRY_MS } from '@waba/whatsapp';
import {
  emptyAccountFieldsBatch,
  mergeAccountFieldsBatches,
  writeAccountFields,
  type AccountFieldsBatch,
} from './account-field.repository';
import {
  applyIdentityChanges,
  resolveContacts,
  type ContactIdentity,
  type IdentityChange,
} from './contact.repository';
import type { Database } from './database';
import { pgText } from './pg-safe';
import { dedupe } from './dedupe';
import { statusRank } from './status-rank';
import {
  emptyThreadBatch,
  mergeThreadBatches,
  writeAddressBook,
  writeThreadBatch,
  type ThreadBatch,
} from './thread.repository';
import {
  bigint,
  bool,
  int,
  jsonb,
  nullableJsonb,
  text,
  textList,
  timestamptz,
  unnestInsert,
  unnestRows,
  uuid,
} from './unnest-insert';
import type { WebhookExtractOutcome, WebhookOutcome } from './webhook-event.table';

type Executor = Kysely<Database> | Transaction<Database>;

/** A `contacts[]` item of a webhook: phone number, business-scoped user id, or both. */
export type ContactInput = ContactIdentity;

export interface InboundMessageInput {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  /** `from`: the customer's phone number; null for a username-only customer. */
  contactWaId: string | null;
  /** `from_user_id`: the customer's business-scoped user id, if sent. */
  contactUserId?: string | null;
  /** A system message that re-keys its contact (user_changed_number, user_changed_user_id). */
  identityChange?: Omit<IdentityChange, 'organizationId' | 'wamid' | 'occurredAt'> | undefined;
  type: string;
  body: string | null;
  payload: unknown;
  contextWamid: string | null;
  occurredAt: Date;
  /** The errors[] Meta attached to the message (an `unsupported` message: 131051). */
  errors?: ReadonlyArray<{ code?: number; title?: string }> | null;
}

export interface StatusEventInput {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  status: string;
  occurredAt: Date;
  /** `recipient_id`: the phone number; null when Meta sent only `recipient_user_id`. */
  recipientId: string | null;
  recipientUserId?: string | null;
  errorCode: number | null;
  errorTitle: string | null;
  bizOpaqueCallbackData: string | null;
  /** Campaign named by biz_opaque_callback_data (`campaign:<uuid>`), if any. */
  campaignId: string | null;
  conversationId: string | null;
  pricingCategory: string | null;
  /** The rest of `pricing` and `conversation`; absent: not given. */
  pricingModel?: string | null;
  pricingType?: string | null;
  billable?: boolean | null;
  conversationOrigin?: string | null;
  conversationExpiresAt?: Date | null;
  payload: unknown;
}

export interface AccountEventInput {
  organizationId: string;
  wabaId: string;
  field: string;
  /** Stable identity of the event, so a redelivery is recognised. */
  eventKey: string;
  event: string | null;
  value: unknown;
  occurredAt: Date;
  /** Re-keys the event announces (`user_id_update`), applied with the batch. */
  identityChanges?: Omit<IdentityChange, 'organizationId'>[];
}

export interface WebhookEventInput {
  bodySha256: string;
  /** The one organization its applied items belong to; null when none or several. */
  organizationId: string | null;
  /** The Meta app that signed the body: part of the dedupe key. */
  appId: string;
  sqsMessageId: string | null;
  fields: string[];
  outcome: WebhookOutcome;
  error: string | null;
  itemCounts: Record<string, number>;
  rawBody: string;
  receivedAt: Date;
}

/** One organization's view of a body: its own entries and changes only (webhook_event_extracts). */
export interface WebhookExtractInput {
  bodySha256: string;
  appId: string;
  organizationId: string;
  fields: string[];
  outcome: WebhookExtractOutcome;
  error: string | null;
  itemCounts: Record<string, number>;
  /** The body reduced to the organization's entries and changes. */
  body: unknown;
  receivedAt: Date;
}

export interface IngestBatch {
  contacts: ContactInput[];
  inbound: InboundMessageInput[];
  statuses: StatusEventInput[];
  accountEvents: AccountEventInput[];
  /** Typed rows of the non-message fields (templates, limits, preferences, calls). */
  accountFields: AccountFieldsBatch;
  webhookEvents: WebhookEventInput[];
  webhookExtracts: WebhookExtractInput[];
  /** Echoes, history, edits, revokes, reactions and coexistence contacts (thread.repository.ts). */
  thread: ThreadBatch;
}

export function emptyIngestBatch(): IngestBatch {
  return {
    contacts: [],
    inbound: [],
    statuses: [],
    accountEvents: [],
    accountFields: emptyAccountFieldsBatch(),
    webhookEvents: [],
    webhookExtracts: [],
    thread: emptyThreadBatch(),
  };
}

export function mergeIngestBatches(batches: readonly IngestBatch[]): IngestBatch {
  const merged = emptyIngestBatch();
  for (const b of batches) {
    merged.contacts.push(...b.contacts);
    merged.inbound.push(...b.inbound);
    merged.statuses.push(...b.statuses);
    merged.accountEvents.push(...b.accountEvents);
    merged.webhookEvents.push(...b.webhookEvents);
    merged.webhookExtracts.push(...b.webhookExtracts);
  }
  merged.thread = mergeThreadBatches(batches.map((b) => b.thread));
  merged.accountFields = mergeAccountFieldsBatches(batches.map((b) => b.accountFields));
  return merged;
}

const first = <T>(a: T): T => a;

/** The month partition of an audit row: its receipt month in UTC. */
const RECEIVED_MONTH = sql`date_trunc('month', t.received_at at time zone 'UTC')::date`;
const minDate = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null ? a : a <= b ? a : b;

/**
 * Whom a message is from: the ids it carried, or for a re-key notice the
 * customer's new ids (the contact was re-keyed before the message is stored).
 */
function addressOf(m: InboundMessageInput): { waId: string | null; userId: string | null } {
  const next = m.identityChange?.next;
  if (next && (next.waId !== null || next.userId !== null))
    return { waId: next.waId, userId: next.userId };
  return { waId: m.contactWaId, userId: m.contactUserId ?? null };
}

/** What the statuses of one batch say about one message, folded per wamid. */
interface StatusSummary {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  contactId: number;
  recipientId: string | null;
  recipientUserId: string | null;
  status: string;
  occurredAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  errorCode: number | null;
  errorTitle: string | null;
  bizOpaqueCallbackData: string | null;
  campaignId: string | null;
}

/**
 * Folds status events per wamid. Every timestamp is the earliest seen; a
 * later stage implies the earlier ones (read implies delivered implies sent,
 * since Meta skips `delivered` when a message is read at once).
 */
export function summarizeStatuses(
  events: readonly (StatusEventInput & { contactId: number })[],
): StatusSummary[] {
  const byWamid = new Map<string, StatusSummary>();
  for (const e of events) {
    let s = byWamid.get(e.wamid);
    if (!s) {
      s = {
        organizationId: e.organizationId,
        wamid: e.wamid,
        phoneNumberId: e.phoneNumberId,
        contactId: e.contactId,
        recipientId: e.recipientId,
        recipientUserId: e.recipientUserId ?? null,
        status: e.status,
        occurredAt: e.occurredAt,
        sentAt: null,
        deliveredAt: null,
        readAt: null,
        failedAt: null,
        errorCode: null,
        errorTitle: null,
        bizOpaqueCallbackData: null,
        campaignId: null,
      };
      byWamid.set(e.wamid, s);
    }
    if (statusRank(e.status) > statusRank(s.status)) s.status = e.status;
    s.occurredAt = minDate(s.occurredAt, e.occurredAt)!;
    const rank = statusRank(e.status);
    if (e.status === 'failed') {
      s.failedAt = minDate(s.failedAt, e.occurredAt);
      s.errorCode ??= e.errorCode;
      s.errorTitle ??= e.errorTitle;
    } else if (rank >= 1) {
      s.sentAt = minDate(s.sentAt, e.occurredAt);
      if (rank >= 2) s.deliveredAt = minDate(s.deliveredAt, e.occurredAt);
      if (rank >= 3) s.readAt = minDate(s.readAt, e.occurredAt);
    }
    s.bizOpaqueCallbackData ??= e.bizOpaqueCallbackData;
    s.campaignId ??= e.campaignId;
  }
  return [...byWamid.values()];
}

export interface Conversation {
  organizationId: string;
  phoneNumberId: string;
  /** The customer (contacts.id). */
  contactId: number;
}

export interface IngestResult {
  /** Conversations that received answerable customer messages in this batch (new or redelivered). */
  conversations: Conversation[];
  /** Statements executed, for the benchmarks: constant per batch, not per item. */
  statements: number;
}

/**
 * Writes one batch with set-based, idempotent statements: at most one
 * statement per table, whatever the number of items. Run it inside a
 * transaction. Unique keys make a redelivery a no-op (apart from the audit
 * row's delivery counter).
 */
export async function writeIngestBatch(db: Executor, batch: IngestBatch): Promise<IngestResult> {
  let statements = 0;

  // Re-keys first, so the batch's other items find the contact under its new ids.
  const dedupedInbound = dedupe(batch.inbound, (m) => m.wamid, first);
  const changes: IdentityChange[] = [
    ...dedupedInbound.flatMap((m) =>
      m.identityChange
        ? [
            {
              ...m.identityChange,
              organizationId: m.organizationId,
              wamid: m.wamid,
              occurredAt: m.occurredAt,
            },
          ]
        : [],
    ),
    ...batch.accountEvents.flatMap((e) =>
      (e.identityChanges ?? []).map((c) => ({ ...c, organizationId: e.organizationId })),
    ),
  ];
  if (changes.length > 0) {
    statements++;
    await applyIdentityChanges(db, changes);
  }
  // A status naming another organization's message is not applied (the router
  // already left such statuses out): it names no contact either.
  const candidates = dedupe(
    batch.statuses,
    (e) => `${e.wamid}|${e.status}|${e.occurredAt.getTime()}`,
    first,
  );
  const owners =
    candidates.length > 0
      ? await findMessageOwners(
          db,
          candidates.map((e) => e.wamid),
        )
      : new Map<string, string>();
  if (candidates.length > 0) statements++;
  const dedupedStatuses = candidates.filter(
    (e) => (owners.get(e.wamid) ?? e.organizationId) === e.organizationId,
  );
  // Ids a re-key retired (in this batch or before) name the contact under its new
  // ids, so a late or redelivered item finds the same contact instead of bringing
  // the old id back, whatever the order. A retired id some contact holds again wins.
  const named = [
    ...batch.contacts,
    ...dedupedInbound.map((m) => ({
      organizationId: m.organizationId,
      waId: m.contactWaId,
      userId: m.contactUserId ?? null,
    })),
    ...dedupedStatuses.map((e) => ({
      organizationId: e.organizationId,
      waId: e.recipientId,
      userId: e.recipientUserId ?? null,
    })),
    ...batch.thread.contacts,
    ...batch.thread.messages.map((m) => ({
      organizationId: m.organizationId,
      waId: m.contactWaId,
      userId: m.contactUserId,
    })),
  ];
  const renamed = new Map<string, string>();
  if (named.length > 0) {
    statements++;
    const retired = await sql<{
      organization_id: string;
      previous_wa_id: string | null;
      wa_id: string | null;
      previous_user_id: string | null;
      user_id: string | null;
    }>`
      select x.organization_id, x.previous_wa_id, x.wa_id, x.previous_user_id, x.user_id
      from contact_identity_changes x
      where x.kind <> 'merge'
        and x.organization_id = any(${[...new Set(named.map((n) => n.organizationId))]}::uuid[])
        and (x.previous_wa_id = any(${named.map((n) => pgText(n.waId))}::text[])
          or x.previous_user_id = any(${named.map((n) => pgText(n.userId))}::text[]))
        and not exists (select from contacts c where c.organization_id = x.organization_id
          and (c.wa_id = x.previous_wa_id or c.user_id = x.previous_user_id))
      order by x.occurred_at, x.id`.execute(db);
    for (const c of retired.rows) {
      if (c.previous_wa_id !== null && c.wa_id !== null)
        renamed.set(`${c.organization_id}|w|${c.previous_wa_id}`, c.wa_id);
      if (c.previous_user_id !== null && c.user_id !== null)
        renamed.set(`${c.organization_id}|u|${c.previous_user_id}`, c.user_id);
    }
  }
  const current = (org: string, waId: string | null, userId: string | null) => ({
    waId: waId === null ? null : (renamed.get(`${org}|w|${waId}`) ?? waId),
    userId: userId === null ? null : (renamed.get(`${org}|u|${userId}`) ?? userId),
  });
  const addressOfMessage = (m: InboundMessageInput) =>
    m.identityChange
      ? addressOf(m)
      : current(m.organizationId, m.contactWaId, m.contactUserId ?? null);
  const addressOfStatus = (e: StatusEventInput) =>
    current(e.organizationId, e.recipientId, e.recipientUserId ?? null);
  // Every customer the batch names, resolved to a contact in one pass.
  const identities: ContactIdentity[] = [
    ...batch.contacts.map((c) => ({ ...c, ...current(c.organizationId, c.waId, c.userId) })),
    ...dedupedInbound.map((m) => ({
      organizationId: m.organizationId,
      ...addressOfMessage(m),
      seenAt: m.occurredAt,
    })),
    ...dedupedStatuses.map((e) => ({
      organizationId: e.organizationId,
      ...addressOfStatus(e),
      seenAt: e.occurredAt,
    })),
    // Coexistence (echoes, history, the app's address book) names customers the same way.
    ...batch.thread.contacts.map((c) => ({
      organizationId: c.organizationId,
      ...current(c.organizationId, c.waId, c.userId),
      parentUserId: c.parentUserId ?? null,
      username: c.username ?? null,
      profileName: c.profileName,
      seenAt: c.seenAt,
    })),
    ...batch.thread.messages.map((m) => ({
      organizationId: m.organizationId,
      ...current(m.organizationId, m.contactWaId, m.contactUserId),
      seenAt: m.occurredAt,
    })),
  ].filter((i) => i.waId !== null || i.userId !== null);
  const contactIds = identities.length > 0 ? await resolveContacts(db, identities) : [];
  if (identities.length > 0) statements++;
  const contactOf = new Map<string, number>();
  const addressKey = (org: string, waId: string | null, userId: string | null) =>
    `${org}|${waId ?? ''}|${userId ?? ''}`;
  identities.forEach((i, n) =>
    contactOf.set(addressKey(i.organizationId, i.waId, i.userId), contactIds[n]!),
  );

  const inbound = dedupedInbound.flatMap((m) => {
    const a = addressOfMessage(m);
    const contactId = contactOf.get(addressKey(m.organizationId, a.waId, a.userId));
    return contactId === undefined ? [] : [{ ...m, contactId }];
  });
  if (inbound.length > 0) {
    statements++;
    await unnestInsert(
      db,
      'messages',
      {
        organization_id: uuid(inbound.map((m) => m.organizationId)),
        wamid: text(inbound.map((m) => m.wamid)),
        phone_number_id: text(inbound.map((m) => m.phoneNumberId)),
        contact_id: bigint(inbound.map((m) => m.contactId)),
        contact_wa_id: text(inbound.map((m) => m.contactWaId)),
        contact_user_id: text(inbound.map((m) => m.contactUserId ?? null)),
        type: text(inbound.map((m) => m.type)),
        body: text(inbound.map((m) => m.body)),
        payload: jsonb(inbound.map((m) => m.payload)),
        context_wamid: text(inbound.map((m) => m.contextWamid)),
        occurred_at: timestamptz(inbound.map((m) => m.occurredAt)),
        errors: nullableJsonb(inbound.map((m) => (m.errors?.length ? m.errors : null))),
      },
      {
        computed: {
          direction: sql`'inbound'`,
          status: sql`'received'`,
          error_code: sql`case when t.errors::jsonb->0->>'code' ~ '^[0-9]{1,9}$' then (t.errors::jsonb->0->>'code')::int end`,
          error_title: sql`t.errors::jsonb->0->>'title'`,
        },
        // A replay of a message stored before its errors were read fills them in; nothing else changes.
        onConflict: sql`on conflict (wamid) do update set errors = excluded.errors, error_code = excluded.error_code,
          error_title = excluded.error_title, updated_at = now()
          where messages.errors is null and excluded.errors is not null
            and messages.direction = 'inbound' and messages.organization_id = excluded.organization_id`,
      },
    );
  }

  const events = dedupedStatuses.map((e) => ({
    ...e,
    contactId: ((a) => contactOf.get(addressKey(e.organizationId, a.waId, a.userId))!)(
      addressOfStatus(e),
    ),
  }));
  const summaries = summarizeStatuses(events);
  if (events.length > 0) {
    statements += 3;
    await unnestInsert(
      db,
      'message_status_events',
      {
        organization_id: uuid(events.map((e) => e.organizationId)),
        wamid: text(events.map((e) => e.wamid)),
        status: text(events.map((e) => e.status)),
        occurred_at: timestamptz(events.map((e) => e.occurredAt)),
        recipient_id: text(events.map((e) => e.recipientId)),
        recipient_user_id: text(events.map((e) => e.recipientUserId ?? null)),
        contact_id: bigint(events.map((e) => e.contactId)),
        error_code: int(events.map((e) => e.errorCode)),
        error_title: text(events.map((e) => e.errorTitle)),
        biz_opaque_callback_data: text(events.map((e) => e.bizOpaqueCallbackData)),
        conversation_id: text(events.map((e) => e.conversationId)),
        pricing_category: text(events.map((e) => e.pricingCategory)),
        pricing_model: text(events.map((e) => e.pricingModel ?? null)),
        pricing_type: text(events.map((e) => e.pricingType ?? null)),
        billable: bool(events.map((e) => e.billable ?? null)),
        conversation_origin: text(events.map((e) => e.conversationOrigin ?? null)),
        conversation_expires_at: timestamptz(events.map((e) => e.conversationExpiresAt ?? null)),
        payload: jsonb(events.map((e) => e.payload)),
      },
      {
        // The router already left out statuses naming another organization's
        // message; this catches one that organization recorded meanwhile.
        where: sql`not exists (select from messages m
          where m.wamid = t.wamid and m.organization_id <> t.organization_id)`,
        onConflict: sql`on conflict (wamid, status, occurred_at) do nothing`,
      },
    );

    // A status may arrive before the sender recorded its message: the row is
    // created from the status (upsert by wamid), never rejected.
    await unnestInsert(
      db,
      'messages',
      {
        organization_id: uuid(summaries.map((s) => s.organizationId)),
        wamid: text(summaries.map((s) => s.wamid)),
        phone_number_id: text(summaries.map((s) => s.phoneNumberId)),
        contact_id: bigint(summaries.map((s) => s.contactId)),
        contact_wa_id: text(summaries.map((s) => s.recipientId)),
        contact_user_id: text(summaries.map((s) => s.recipientUserId)),
        status: text(summaries.map((s) => s.status)),
        occurred_at: timestamptz(summaries.map((s) => s.occurredAt)),
        sent_at: timestamptz(summaries.map((s) => s.sentAt)),
        delivered_at: timestamptz(summaries.map((s) => s.deliveredAt)),
        read_at: timestamptz(summaries.map((s) => s.readAt)),
        failed_at: timestamptz(summaries.map((s) => s.failedAt)),
        error_code: int(summaries.map((s) => s.errorCode)),
        error_title: text(summaries.map((s) => s.errorTitle)),
        biz_opaque_callback_data: text(summaries.map((s) => s.bizOpaqueCallbackData)),
        campaign_id: uuid(summaries.map((s) => s.campaignId)),
      },
      {
        computed: {
          direction: sql`'outbound'`,
          // A campaign is named only if it is the message's own organization's.
          campaign_id: sql`(select c.id from campaigns c
            where c.id = t.campaign_id and c.organization_id = t.organization_id)`,
        },
        onConflict: sql`on conflict (wamid) do update set
          status = case when wa_status_rank(excluded.status) > wa_status_rank(messages.status)
            then excluded.status else messages.status end,
          occurred_at = least(messages.occurred_at, excluded.occurred_at),
          sent_at = least(messages.sent_at, excluded.sent_at),
          delivered_at = least(messages.delivered_at, excluded.delivered_at),
          read_at = least(messages.read_at, excluded.read_at),
          failed_at = least(messages.failed_at, excluded.failed_at),
          error_code = coalesce(messages.error_code, excluded.error_code),
          error_title = coalesce(messages.error_title, excluded.error_title),
          biz_opaque_callback_data = coalesce(messages.biz_opaque_callback_data, excluded.biz_opaque_callback_data),
          campaign_id = coalesce(messages.campaign_id, excluded.campaign_id),
          contact_wa_id = coalesce(messages.contact_wa_id, excluded.contact_wa_id),
          contact_user_id = coalesce(messages.contact_user_id, excluded.contact_user_id),
          updated_at = now()
        where messages.direction = 'outbound' and messages.organization_id = excluded.organization_id`,
      },
    );

    // The audience row mirrors its message: matched by wamid, or, before the
    // sender recorded the wamid, by campaign and recipient. A message of the
    // campaign sent by another system (same biz_opaque_callback_data) joins
    // the audience as an external recipient, so reports count it too.
    await sql`
      insert into campaign_audience as a (campaign_id, organization_id, wa_id, contact_id, source, wamid,
        status, sent_at, delivered_at, read_at, failed_at, error_code, error_title)
      select distinct on (m.campaign_id, coalesce(ct.wa_id, ct.user_id))
        m.campaign_id, m.organization_id, coalesce(ct.wa_id, ct.user_id), m.contact_id, 'external', m.wamid,
        -- Meta's per-user marketing limit is a deferral, not a failure (the message keeps failed).
        case when m.status = 'failed' and m.error_code = ${MARKETING_LIMIT_CODE} then 'limit-deferred'
          else m.status end,
        m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.error_code, m.error_title
      from ${unnestRows(
        'messages',
        {
          wamid: text(summaries.map((s) => s.wamid)),
          organization_id: uuid(summaries.map((s) => s.organizationId)),
        },
        's',
      )}
      join messages m on m.wamid = s.wamid and m.organization_id = s.organization_id
      join contacts ct on ct.id = m.contact_id
      left join campaign_audience known on known.wamid = m.wamid
        and known.organization_id = m.organization_id
      where m.campaign_id is not null
      -- One row per recipient (an upsert may touch a row once): the message the
      -- audience row already knows, else the earliest.
      order by m.campaign_id, coalesce(ct.wa_id, ct.user_id), known.wamid is null, m.occurred_at
      on conflict (campaign_id, wa_id) do update set
        wamid = excluded.wamid, status = excluded.status, sent_at = excluded.sent_at,
        delivered_at = excluded.delivered_at, read_at = excluded.read_at,
        failed_at = excluded.failed_at, error_code = excluded.error_code,
        error_title = excluded.error_title, contact_id = excluded.contact_id, updated_at = now(),
        -- A campaign that resends 131049 recipients does so 24 hours after the refusal;
        -- otherwise only retry-failed does (an earlier back-off time must not release it).
        next_attempt_at = case when excluded.status <> 'limit-deferred' then a.next_attempt_at
          when a.source = 'import'
            and (select c.retry_marketing_limit from campaigns c where c.id = a.campaign_id)
          then excluded.failed_at + ${MARKETING_LIMIT_RETRY_MS / 1000}::int * interval '1 second'
          end
      where (a.wamid is null or a.wamid = excluded.wamid)
        -- Queued again (limit-deferred released, retry-failed): a late status of the
        -- earlier message must not touch the row, or the resend could go out twice.
        and not (a.status in ('pending', 'sending') and a.wamid is not null)
        and a.organization_id = excluded.organization_id
    `.execute(db);
  }

  // After the customer messages and statuses: an original arriving with its edit is found.
  const contactOfAddress = (org: string, waId: string | null, userId: string | null) => {
    const a = current(org, waId, userId);
    return contactOf.get(addressKey(org, a.waId, a.userId));
  };
  const addressBook = batch.thread.contacts.flatMap((c) => {
    const contactId = contactOfAddress(c.organizationId, c.waId, c.userId);
    return c.addressBook && contactId !== undefined ? [{ contactId, ...c.addressBook }] : [];
  });
  statements += await writeAddressBook(db, addressBook);
  statements += await writeThreadBatch(
    db,
    {
      ...batch.thread,
      messages: batch.thread.messages.flatMap((m) => {
        const contactId = contactOfAddress(m.organizationId, m.contactWaId, m.contactUserId);
        return contactId === undefined ? [] : [{ ...m, contactId }];
      }),
    },
    inbound,
  );

  const accountEvents = dedupe(batch.accountEvents, (e) => e.eventKey, first);
  if (accountEvents.length > 0) {
    statements++;
    await unnestInsert(
      db,
      'account_events',
      {
        organization_id: uuid(accountEvents.map((e) => e.organizationId)),
        waba_id: text(accountEvents.map((e) => e.wabaId)),
        field: text(accountEvents.map((e) => e.field)),
        event_key: text(accountEvents.map((e) => e.eventKey)),
        event: text(accountEvents.map((e) => e.event)),
        value: jsonb(accountEvents.map((e) => e.value)),
        occurred_at: timestamptz(accountEvents.map((e) => e.occurredAt)),
      },
      { onConflict: sql`on conflict (event_key) do nothing` },
    );
  }

  statements += await writeAccountFields(db, batch.accountFields);

  const audits = dedupe(
    batch.webhookEvents,
    (w) => `${w.bodySha256}|${w.appId}`,
    (_a, b) => b,
  );
  if (audits.length > 0) {
    statements++;
    await unnestInsert(
      db,
      'webhook_events',
      {
        body_sha256: text(audits.map((w) => w.bodySha256)),
        organization_id: uuid(audits.map((w) => w.organizationId)),
        app_id: text(audits.map((w) => w.appId)),
        sqs_message_id: text(audits.map((w) => w.sqsMessageId)),
        fields: textList(audits.map((w) => w.fields)),
        outcome: text(audits.map((w) => w.outcome)),
        error: text(audits.map((w) => w.error)),
        item_counts: jsonb(audits.map((w) => w.itemCounts)),
        raw_body: text(audits.map((w) => w.rawBody)),
        received_at: timestamptz(audits.map((w) => w.receivedAt)),
      },
      {
        computed: { received_month: RECEIVED_MONTH },
        onConflict: sql`on conflict (body_sha256, app_id, received_month) do update set
          outcome = excluded.outcome,
          error = excluded.error,
          -- The latest routing is the truth: a replay that finds a second
          -- organization makes the body nobody's in particular.
          organization_id = excluded.organization_id,
          item_counts = excluded.item_counts,
          sqs_message_id = excluded.sqs_message_id,
          last_processed_at = now(),
          delivery_count = webhook_events.delivery_count + 1`,
      },
    );
  }

  const extracts = dedupe(
    batch.webhookExtracts,
    (x) => `${x.bodySha256}|${x.appId}|${x.organizationId}`,
    (_a, b) => b,
  );
  if (extracts.length > 0) {
    statements++;
    await unnestInsert(
      db,
      'webhook_event_extracts',
      {
        body_sha256: text(extracts.map((x) => x.bodySha256)),
        app_id: text(extracts.map((x) => x.appId)),
        organization_id: uuid(extracts.map((x) => x.organizationId)),
        fields: textList(extracts.map((x) => x.fields)),
        outcome: text(extracts.map((x) => x.outcome)),
        error: text(extracts.map((x) => x.error)),
        item_counts: jsonb(extracts.map((x) => x.itemCounts)),
        body: jsonb(extracts.map((x) => x.body)),
        received_at: timestamptz(extracts.map((x) => x.receivedAt)),
      },
      {
        computed: { received_month: RECEIVED_MONTH },
        onConflict: sql`on conflict (body_sha256, app_id, organization_id, received_month) do update set
          fields = excluded.fields,
          outcome = excluded.outcome,
          error = excluded.error,
          item_counts = excluded.item_counts,
          body = excluded.body,
          last_processed_at = now()`,
      },
    );
  }

  // Only a conversation turn (or an unsupported message, for its one notice) starts an answer;
  // a re-key notice is no question.
  const conversations = dedupe(
    inbound
      .filter((m) => !m.identityChange && answerTriggerOf(m.type) !== null)
      .map((m) => ({
        organizationId: m.organizationId,
        phoneNumberId: m.phoneNumberId,
        contactId: m.contactId,
      })),
    (c) => `${c.organizationId}|${c.phoneNumberId}|${c.contactId}`,
    first,
  );
  return { conversations, statements };
}

/**
 * The organization each known wamid belongs to (one query). A status or a
 * customer message naming a wamid of another organization is not applied.
 */
export async function findMessageOwners(
  db: Executor,
  wamids: readonly string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (wamids.length === 0) return owners;
  const rows = await db
    .selectFrom('messages')
    .select(['wamid', 'organization_id'])
    .where((eb) => eb('wamid', '=', eb.fn.any(eb.val(wamids.map((w) => pgText(w))))))
    .execute();
  for (const row of rows) owners.set(row.wamid, row.organization_id);
  return owners;
}
