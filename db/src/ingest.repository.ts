import { sql, type Kysely, type Transaction } from 'kysely';
import { answerTriggerOf } from '@waba/whatsapp';
import {
  emptyAccountFieldsBatch,
  mergeAccountFieldsBatches,
  writeAccountFields,
  type AccountFieldsBatch,
} from './account-field.repository';
import type { Database } from './database';
import { pgJson, pgText } from './pg-safe';
import { dedupe } from './dedupe';
import { statusRank } from './status-rank';
import {
  emptyThreadBatch,
  mergeThreadBatches,
  writeThreadBatch,
  type ThreadBatch,
} from './thread.repository';
import type { WebhookExtractOutcome, WebhookOutcome } from './webhook-event.table';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ContactInput {
  organizationId: string;
  waId: string;
  profileName: string | null;
  userId: string | null;
  seenAt: Date;
}

export interface InboundMessageInput {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  contactWaId: string;
  type: string;
  body: string | null;
  payload: unknown;
  contextWamid: string | null;
  occurredAt: Date;
}

export interface StatusEventInput {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  status: string;
  occurredAt: Date;
  recipientId: string;
  errorCode: number | null;
  errorTitle: string | null;
  bizOpaqueCallbackData: string | null;
  /** Campaign named by biz_opaque_callback_data (`campaign:<uuid>`), if any. */
  campaignId: string | null;
  conversationId: string | null;
  pricingCategory: string | null;
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
const minDate = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null ? a : a <= b ? a : b;

/**
 * Whether sighting `a` of a contact is newer than `b`: by time, and within the
 * same second by the greater profile name, so the outcome never depends on
 * the order the two arrive in (the SQL upsert breaks ties the same way).
 */
function isNewerSighting(
  a: { seenAt: Date; profileName: string | null },
  b: { seenAt: Date; profileName: string | null },
): boolean {
  const dt = a.seenAt.getTime() - b.seenAt.getTime();
  return dt !== 0 ? dt > 0 : (a.profileName ?? '') >= (b.profileName ?? '');
}

/** What the statuses of one batch say about one message, folded per wamid. */
interface StatusSummary {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  recipientId: string;
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
export function summarizeStatuses(events: readonly StatusEventInput[]): StatusSummary[] {
  const byWamid = new Map<string, StatusSummary>();
  for (const e of events) {
    let s = byWamid.get(e.wamid);
    if (!s) {
      s = {
        organizationId: e.organizationId,
        wamid: e.wamid,
        phoneNumberId: e.phoneNumberId,
        recipientId: e.recipientId,
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
  contactWaId: string;
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

  // Per contact: the profile of the latest sighting, and the span of all sightings.
  const contacts = dedupe(
    batch.contacts.map((c) => ({ ...c, firstSeenAt: c.seenAt })),
    (c) => `${c.organizationId}|${c.waId}`,
    (a, b) => {
      const [older, newer] = isNewerSighting(b, a) ? [a, b] : [b, a];
      return {
        ...newer,
        profileName: newer.profileName ?? older.profileName,
        userId: newer.userId ?? older.userId,
        firstSeenAt: minDate(a.firstSeenAt, b.firstSeenAt)!,
      };
    },
  );
  if (contacts.length > 0) {
    statements++;
    await sql`
      insert into contacts (organization_id, wa_id, profile_name, user_id, first_seen_at, last_seen_at)
      select o, w, p, u, f, s from unnest(
        ${contacts.map((c) => c.organizationId)}::uuid[], ${contacts.map((c) => pgText(c.waId))}::text[],
        ${contacts.map((c) => pgText(c.profileName))}::text[], ${contacts.map((c) => pgText(c.userId))}::text[],
        ${contacts.map((c) => c.firstSeenAt)}::timestamptz[], ${contacts.map((c) => c.seenAt)}::timestamptz[]
      ) as t(o, w, p, u, f, s)
      on conflict (organization_id, wa_id) do update set
        profile_name = case when excluded.last_seen_at > contacts.last_seen_at
            or (excluded.last_seen_at = contacts.last_seen_at
                and coalesce(excluded.profile_name, '') >= coalesce(contacts.profile_name, ''))
          then coalesce(excluded.profile_name, contacts.profile_name)
          else coalesce(contacts.profile_name, excluded.profile_name) end,
        user_id = coalesce(excluded.user_id, contacts.user_id),
        first_seen_at = least(contacts.first_seen_at, excluded.first_seen_at),
        last_seen_at = greatest(contacts.last_seen_at, excluded.last_seen_at),
        updated_at = now()
    `.execute(db);
  }

  const inbound = dedupe(batch.inbound, (m) => m.wamid, first);
  if (inbound.length > 0) {
    statements++;
    await sql`
      insert into messages (organization_id, wamid, direction, phone_number_id, contact_wa_id,
        type, body, payload, context_wamid, status, occurred_at)
      select o, w, 'inbound', p, c, ty, b, pl::jsonb, cx, 'received', ts from unnest(
        ${inbound.map((m) => m.organizationId)}::uuid[], ${inbound.map((m) => pgText(m.wamid))}::text[],
        ${inbound.map((m) => pgText(m.phoneNumberId))}::text[], ${inbound.map((m) => pgText(m.contactWaId))}::text[],
        ${inbound.map((m) => pgText(m.type))}::text[], ${inbound.map((m) => pgText(m.body))}::text[],
        ${inbound.map((m) => pgJson(m.payload))}::text[], ${inbound.map((m) => pgText(m.contextWamid))}::text[],
        ${inbound.map((m) => m.occurredAt)}::timestamptz[]) as t(o, w, p, c, ty, b, pl, cx, ts)
      on conflict (wamid) do nothing
    `.execute(db);
  }

  const events = dedupe(
    batch.statuses,
    (e) => `${e.wamid}|${e.status}|${e.occurredAt.getTime()}`,
    first,
  );
  const summaries = summarizeStatuses(events);
  if (events.length > 0) {
    statements += 3;
    await sql`
      insert into message_status_events (organization_id, wamid, status, occurred_at, recipient_id,
        error_code, error_title, biz_opaque_callback_data, conversation_id, pricing_category, payload)
      select o, w, st, ts, r, ec, et, bo, cv, pc, pl::jsonb from unnest(
        ${events.map((e) => e.organizationId)}::uuid[], ${events.map((e) => pgText(e.wamid))}::text[],
        ${events.map((e) => pgText(e.status))}::text[], ${events.map((e) => e.occurredAt)}::timestamptz[],
        ${events.map((e) => pgText(e.recipientId))}::text[], ${events.map((e) => e.errorCode)}::int[],
        ${events.map((e) => pgText(e.errorTitle))}::text[], ${events.map((e) => pgText(e.bizOpaqueCallbackData))}::text[],
        ${events.map((e) => pgText(e.conversationId))}::text[], ${events.map((e) => pgText(e.pricingCategory))}::text[],
        ${events.map((e) => pgJson(e.payload))}::text[]) as t(o, w, st, ts, r, ec, et, bo, cv, pc, pl)
      -- The router already left out statuses naming another organization's
      -- message; this catches one that organization recorded meanwhile.
      where not exists (select from messages m where m.wamid = t.w and m.organization_id <> t.o)
      on conflict (wamid, status, occurred_at) do nothing
    `.execute(db);

    // A status may arrive before the sender recorded its message: the row is
    // created from the status (upsert by wamid), never rejected.
    await sql`
      insert into messages (organization_id, wamid, direction, phone_number_id, contact_wa_id, status,
        occurred_at, sent_at, delivered_at, read_at, failed_at, error_code, error_title,
        biz_opaque_callback_data, campaign_id)
      select s.o, s.w, 'outbound', s.p, s.r, s.st, s.oc, s.sa, s.da, s.ra, s.fa, s.ec, s.et, s.bo, c.id
      from unnest(
        ${summaries.map((s) => s.organizationId)}::uuid[], ${summaries.map((s) => pgText(s.wamid))}::text[],
        ${summaries.map((s) => pgText(s.phoneNumberId))}::text[], ${summaries.map((s) => pgText(s.recipientId))}::text[],
        ${summaries.map((s) => pgText(s.status))}::text[], ${summaries.map((s) => s.occurredAt)}::timestamptz[],
        ${summaries.map((s) => s.sentAt)}::timestamptz[], ${summaries.map((s) => s.deliveredAt)}::timestamptz[],
        ${summaries.map((s) => s.readAt)}::timestamptz[], ${summaries.map((s) => s.failedAt)}::timestamptz[],
        ${summaries.map((s) => s.errorCode)}::int[], ${summaries.map((s) => pgText(s.errorTitle))}::text[],
        ${summaries.map((s) => pgText(s.bizOpaqueCallbackData))}::text[], ${summaries.map((s) => s.campaignId)}::uuid[]
      ) as s(o, w, p, r, st, oc, sa, da, ra, fa, ec, et, bo, cid)
      left join campaigns c on c.id = s.cid and c.organization_id = s.o
      on conflict (wamid) do update set
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
        updated_at = now()
      where messages.direction = 'outbound' and messages.organization_id = excluded.organization_id
    `.execute(db);

    // The audience row mirrors its message: matched by wamid, or, before the
    // sender recorded the wamid, by campaign and recipient. A message of the
    // campaign sent by another system (same biz_opaque_callback_data) joins
    // the audience as an external recipient, so reports count it too.
    await sql`
      insert into campaign_audience as a (campaign_id, organization_id, wa_id, source, wamid, status,
        sent_at, delivered_at, read_at, failed_at, error_code, error_title)
      select distinct on (m.campaign_id, m.contact_wa_id)
        m.campaign_id, m.organization_id, m.contact_wa_id, 'external', m.wamid, m.status,
        m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.error_code, m.error_title
      from unnest(${summaries.map((s) => pgText(s.wamid))}::text[],
        ${summaries.map((s) => s.organizationId)}::uuid[]) as s(w, o)
      join messages m on m.wamid = s.w and m.organization_id = s.o
      left join campaign_audience known on known.wamid = m.wamid
        and known.organization_id = m.organization_id
      where m.campaign_id is not null
      -- One row per recipient (an upsert may touch a row once): the message the
      -- audience row already knows, else the earliest.
      order by m.campaign_id, m.contact_wa_id, known.wamid is null, m.occurred_at
      on conflict (campaign_id, wa_id) do update set
        wamid = excluded.wamid, status = excluded.status, sent_at = excluded.sent_at,
        delivered_at = excluded.delivered_at, read_at = excluded.read_at,
        failed_at = excluded.failed_at, error_code = excluded.error_code,
        error_title = excluded.error_title, updated_at = now()
      where (a.wamid is null or a.wamid = excluded.wamid)
        and a.organization_id = excluded.organization_id
    `.execute(db);
  }

  // After the customer messages and statuses: an original arriving with its edit is found.
  statements += await writeThreadBatch(db, batch.thread, inbound);

  const accountEvents = dedupe(batch.accountEvents, (e) => e.eventKey, first);
  if (accountEvents.length > 0) {
    statements++;
    await sql`
      insert into account_events (organization_id, waba_id, field, event_key, event, value, occurred_at)
      select o, wb, f, k, ev, v::jsonb, ts from unnest(
        ${accountEvents.map((e) => e.organizationId)}::uuid[], ${accountEvents.map((e) => pgText(e.wabaId))}::text[],
        ${accountEvents.map((e) => pgText(e.field))}::text[], ${accountEvents.map((e) => e.eventKey)}::text[],
        ${accountEvents.map((e) => pgText(e.event))}::text[], ${accountEvents.map((e) => pgJson(e.value))}::text[],
        ${accountEvents.map((e) => e.occurredAt)}::timestamptz[]) as t(o, wb, f, k, ev, v, ts)
      on conflict (event_key) do nothing
    `.execute(db);
  }

  statements += await writeAccountFields(db, batch.accountFields);

  const audits = dedupe(
    batch.webhookEvents,
    (w) => `${w.bodySha256}|${w.appId}`,
    (_a, b) => b,
  );
  if (audits.length > 0) {
    statements++;
    await sql`
      insert into webhook_events (body_sha256, organization_id, app_id, sqs_message_id, fields, outcome,
        error, item_counts, raw_body, received_at, received_month)
      select h, o, a, m, string_to_array(f, ','), oc, e, ic::jsonb, rb, ts,
        date_trunc('month', ts at time zone 'UTC')::date from unnest(
        ${audits.map((w) => w.bodySha256)}::text[], ${audits.map((w) => w.organizationId)}::uuid[],
        ${audits.map((w) => pgText(w.appId))}::text[], ${audits.map((w) => w.sqsMessageId)}::text[],
        ${audits.map((w) => pgText(w.fields.join(',')))}::text[], ${audits.map((w) => w.outcome)}::text[],
        ${audits.map((w) => pgText(w.error))}::text[], ${audits.map((w) => JSON.stringify(w.itemCounts))}::text[],
        ${audits.map((w) => pgText(w.rawBody))}::text[], ${audits.map((w) => w.receivedAt)}::timestamptz[]
      ) as t(h, o, a, m, f, oc, e, ic, rb, ts)
      on conflict (body_sha256, app_id, received_month) do update set
        outcome = excluded.outcome,
        error = excluded.error,
        -- The latest routing is the truth: a replay that finds a second
        -- organization makes the body nobody's in particular.
        organization_id = excluded.organization_id,
        item_counts = excluded.item_counts,
        sqs_message_id = excluded.sqs_message_id,
        last_processed_at = now(),
        delivery_count = webhook_events.delivery_count + 1
    `.execute(db);
  }

  const extracts = dedupe(
    batch.webhookExtracts,
    (x) => `${x.bodySha256}|${x.appId}|${x.organizationId}`,
    (_a, b) => b,
  );
  if (extracts.length > 0) {
    statements++;
    await sql`
      insert into webhook_event_extracts (body_sha256, app_id, organization_id, fields, outcome, error,
        item_counts, body, received_at, received_month)
      select h, a, o, string_to_array(f, ','), oc, e, ic::jsonb, b::jsonb, ts,
        date_trunc('month', ts at time zone 'UTC')::date from unnest(
        ${extracts.map((x) => x.bodySha256)}::text[], ${extracts.map((x) => pgText(x.appId))}::text[],
        ${extracts.map((x) => x.organizationId)}::uuid[], ${extracts.map((x) => pgText(x.fields.join(',')))}::text[],
        ${extracts.map((x) => x.outcome)}::text[], ${extracts.map((x) => pgText(x.error))}::text[],
        ${extracts.map((x) => JSON.stringify(x.itemCounts))}::text[], ${extracts.map((x) => pgJson(x.body))}::text[],
        ${extracts.map((x) => x.receivedAt)}::timestamptz[]
      ) as t(h, a, o, f, oc, e, ic, b, ts)
      on conflict (body_sha256, app_id, organization_id, received_month) do update set
        fields = excluded.fields,
        outcome = excluded.outcome,
        error = excluded.error,
        item_counts = excluded.item_counts,
        body = excluded.body,
        last_processed_at = now()
    `.execute(db);
  }

  // Only a conversation turn (or an unsupported message, for its one notice) starts an answer.
  const conversations = dedupe(
    inbound
      .filter((m) => answerTriggerOf(m.type) !== null)
      .map((m) => ({
        organizationId: m.organizationId,
        phoneNumberId: m.phoneNumberId,
        contactWaId: m.contactWaId,
      })),
    (c) => `${c.organizationId}|${c.phoneNumberId}|${c.contactWaId}`,
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
