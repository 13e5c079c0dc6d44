import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import {
  findRoutes,
  pgJson,
  pgText,
  type AccountEventInput,
  type ContactInput,
  type Db,
  type InboundMessageInput,
  type StatusEventInput,
  type WebhookEventInput,
  type WebhookExtractInput,
} from '@waba/db';
import {
  boundAppOf,
  normalizeWebhook,
  routeWebhook,
  routingKeys,
  type RawWebhook,
} from '@waba/db-processor';
import { decodeWebhookPayload } from '@waba/whatsapp';

/*
 * The baseline the processor is compared with: how public WhatsApp webhook
 * examples store what they receive. Per webhook, look the business up by its
 * number; then per item one transaction with one statement, auto-committed
 * before the next item. It parses, normalizes and routes with the
 * processor's own code, and stores the same rows (the row counts are checked
 * against the real writer), so the difference measured is the write
 * strategy alone. Each statement is the cheapest one that stores the item's
 * rows: where an item has rows in two tables, one statement with a CTE.
 */

/** The contact by phone number, created or updated in the same statement (the bench's customers have numbers). */
function contactUpsert(
  organizationId: string,
  waId: string | null,
  c: ContactInput | undefined,
  seenAt: Date,
): RawBuilder<unknown> {
  return sql`
    insert into contacts (organization_id, wa_id, profile_name, user_id, first_seen_at, last_seen_at)
    values (${organizationId}, ${pgText(waId)}, ${pgText(c?.profileName ?? null)},
      ${pgText(c?.userId ?? null)}, ${seenAt}, ${seenAt})
    on conflict (organization_id, wa_id) do update set
      profile_name = coalesce(excluded.profile_name, contacts.profile_name),
      last_seen_at = greatest(contacts.last_seen_at, excluded.last_seen_at),
      updated_at = now()
    returning id`;
}

function customerMessage(m: InboundMessageInput, c: ContactInput | undefined): RawBuilder<unknown> {
  return sql`
    with contact as (${contactUpsert(m.organizationId, m.contactWaId, c, c?.seenAt ?? m.occurredAt)})
    insert into messages (organization_id, wamid, direction, phone_number_id, contact_id, contact_wa_id,
      type, body, payload, context_wamid, status, occurred_at)
    select ${m.organizationId}, ${pgText(m.wamid)}, 'inbound', ${pgText(m.phoneNumberId)}, contact.id,
      ${pgText(m.contactWaId)}, ${pgText(m.type)}, ${pgText(m.body)}, ${pgJson(m.payload)}::jsonb,
      ${pgText(m.contextWamid)}, 'received', ${m.occurredAt}
    from contact
    on conflict (wamid) do nothing`;
}

function deliveryStatus(s: StatusEventInput): RawBuilder<unknown> {
  const rank = ['sent', 'delivered', 'read'].indexOf(s.status) + 1;
  const at = (stage: number) => (rank >= stage && s.status !== 'failed' ? s.occurredAt : null);
  return sql`
    with contact as (${contactUpsert(s.organizationId, s.recipientId, undefined, s.occurredAt)}),
    event as (
      insert into message_status_events (organization_id, wamid, status, occurred_at, recipient_id,
        contact_id, error_code, error_title, biz_opaque_callback_data, conversation_id,
        pricing_category, payload)
      select ${s.organizationId}, ${pgText(s.wamid)}, ${pgText(s.status)}, ${s.occurredAt},
        ${pgText(s.recipientId)}, contact.id, ${s.errorCode}, ${pgText(s.errorTitle)},
        ${pgText(s.bizOpaqueCallbackData)}, ${pgText(s.conversationId)},
        ${pgText(s.pricingCategory)}, ${pgJson(s.payload)}::jsonb
      from contact
      on conflict (wamid, status, occurred_at) do nothing
    )
    insert into messages (organization_id, wamid, direction, phone_number_id, contact_id, contact_wa_id,
      status, occurred_at, sent_at, delivered_at, read_at, failed_at, error_code, error_title,
      biz_opaque_callback_data)
    select ${s.organizationId}, ${pgText(s.wamid)}, 'outbound', ${pgText(s.phoneNumberId)}, contact.id,
      ${pgText(s.recipientId)}, ${pgText(s.status)}, ${s.occurredAt}, ${at(1)}::timestamptz,
      ${at(2)}::timestamptz, ${at(3)}::timestamptz,
      ${s.status === 'failed' ? s.occurredAt : null}::timestamptz, ${s.errorCode},
      ${pgText(s.errorTitle)}, ${pgText(s.bizOpaqueCallbackData)}
    from contact
    on conflict (wamid) do update set status = excluded.status, updated_at = now()
    where messages.direction = 'outbound'
      and wa_status_rank(excluded.status) > wa_status_rank(messages.status)`;
}

function accountEvent(e: AccountEventInput): RawBuilder<unknown> {
  return sql`
    insert into account_events (organization_id, waba_id, field, event_key, event, value, occurred_at)
    values (${e.organizationId}, ${pgText(e.wabaId)}, ${pgText(e.field)}, ${e.eventKey},
      ${pgText(e.event)}, ${pgJson(e.value)}::jsonb, ${e.occurredAt})
    on conflict (event_key) do nothing`;
}

function auditRow(w: WebhookEventInput): RawBuilder<unknown> {
  return sql`
    insert into webhook_events (body_sha256, organization_id, app_id, sqs_message_id, fields, outcome,
      error, item_counts, raw_body, received_at, received_month)
    values (${w.bodySha256}, ${w.organizationId}, ${pgText(w.appId)}, ${w.sqsMessageId},
      ${w.fields}::text[], ${w.outcome}, ${pgText(w.error)}, ${JSON.stringify(w.itemCounts)}::jsonb,
      ${pgText(w.rawBody)}, ${w.receivedAt},
      date_trunc('month', ${w.receivedAt}::timestamptz at time zone 'UTC')::date)
    on conflict (body_sha256, app_id, received_month) do update set
      delivery_count = webhook_events.delivery_count + 1, last_processed_at = now()`;
}

/** One organization's view of the body, as the real writer keeps it beside the audit row. */
function extractRow(x: WebhookExtractInput): RawBuilder<unknown> {
  return sql`
    insert into webhook_event_extracts (body_sha256, app_id, organization_id, fields, outcome,
      error, item_counts, body, received_at, received_month)
    values (${x.bodySha256}, ${x.appId}, ${x.organizationId}, ${x.fields}::text[], ${x.outcome},
      ${pgText(x.error)}, ${JSON.stringify(x.itemCounts)}::jsonb, ${pgJson(x.body)}::jsonb,
      ${x.receivedAt}, date_trunc('month', ${x.receivedAt}::timestamptz at time zone 'UTC')::date)
    on conflict (body_sha256, app_id, organization_id, received_month) do update set
      outcome = excluded.outcome, last_processed_at = now()`;
}

/** One transaction per statement, as an ORM's `save()` in a loop does. */
async function commitEach(db: Db, statements: ReadonlyArray<RawBuilder<unknown>>): Promise<void> {
  for (const statement of statements) {
    await db.transaction().execute((trx) => statement.execute(trx));
  }
}

/** Stores webhooks the naive way: a lookup per webhook, a transaction per item. */
export async function writeNaively(db: Db, webhooks: readonly RawWebhook[]): Promise<void> {
  for (const w of webhooks) {
    const payload = decodeWebhookPayload(w.raw);
    const input = {
      normalized: normalizeWebhook(payload, w.receivedAt),
      payload,
      audit: {
        bodySha256: createHash('sha256').update(w.raw).digest('hex'),
        appId: boundAppOf(w.appId),
        sqsMessageId: w.sqsMessageId,
        rawBody: w.raw,
        receivedAt: w.receivedAt,
      },
    };
    const keys = routingKeys([input]);
    const batch = routeWebhook(input, await findRoutes(db, keys.phoneNumberIds, keys.wabaIds));
    const contacts = new Map(batch.contacts.map((c) => [c.waId, c]));
    await commitEach(db, [
      ...batch.inbound.map((m) => customerMessage(m, contacts.get(m.contactWaId))),
      ...batch.statuses.map(deliveryStatus),
      ...batch.accountEvents.map(accountEvent),
      ...batch.webhookEvents.map(auditRow),
      ...batch.webhookExtracts.map(extractRow),
    ]);
  }
}
