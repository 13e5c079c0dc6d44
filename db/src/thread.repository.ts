import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';
import type { MessageDirection, MessageSource } from './message.table';
import { dedupe } from './dedupe';
import { pgJson, pgText } from './pg-safe';
import { statusRank } from './status-rank';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * A message of the thread that is not a live customer message: an echo of
 * what the business sent from the WhatsApp Business app, or a message of the
 * app's history sync (either direction, with its own time).
 */
export interface ThreadMessageInput {
  organizationId: string;
  wamid: string;
  phoneNumberId: string;
  /** The customer's phone number; null for a username-only customer. */
  contactWaId: string | null;
  /** The customer's business-scoped user id (BSUID), when the item names it. */
  contactUserId: string | null;
  /** The customer's contact, resolved by the ingest writer before the thread is written. */
  contactId?: number;
  direction: MessageDirection;
  source: Exclude<MessageSource, 'cloud_api'>;
  type: string;
  body: string | null;
  payload: unknown;
  contextWamid: string | null;
  /** Inbound: `received`. Outbound: `sent` (echo) or the status the history reports. */
  status: string;
  occurredAt: Date;
}

/** An edit or a revoke of another message, by its own wamid. */
export interface RevisionInput {
  organizationId: string;
  /** The message edited or revoked. */
  wamid: string;
  revisionWamid: string;
  kind: 'edit' | 'revoke';
  /** The edited content's type and text (caption for media); null for a revoke. */
  type: string | null;
  body: string | null;
  payload: unknown;
  source: MessageSource;
  occurredAt: Date;
}

/** A reaction (or its removal: empty emoji) to another message. */
export interface ReactionInput {
  organizationId: string;
  wamid: string;
  reactionWamid: string;
  contactWaId: string;
  direction: MessageDirection;
  emoji: string;
  occurredAt: Date;
}

/**
 * A contact seen by coexistence: the recipient of an echo, the customer of a
 * history thread, or an address-book entry of the app (smb_app_state_sync).
 */
export interface ThreadContactInput {
  organizationId: string;
  /** Phone number and/or business-scoped user id: at least one is set. */
  waId: string | null;
  userId: string | null;
  parentUserId?: string | null;
  username?: string | null;
  profileName: string | null;
  seenAt: Date;
  /** Set for address-book syncs only: the name (null on `remove`) and the sync's time. */
  addressBook: { name: string | null; at: Date } | null;
}

export interface ThreadBatch {
  messages: ThreadMessageInput[];
  revisions: RevisionInput[];
  reactions: ReactionInput[];
  contacts: ThreadContactInput[];
}

export function emptyThreadBatch(): ThreadBatch {
  return { messages: [], revisions: [], reactions: [], contacts: [] };
}

export function mergeThreadBatches(batches: readonly ThreadBatch[]): ThreadBatch {
  const merged = emptyThreadBatch();
  for (const b of batches) {
    merged.messages.push(...b.messages);
    merged.revisions.push(...b.revisions);
    merged.reactions.push(...b.reactions);
    merged.contacts.push(...b.contacts);
  }
  return merged;
}

const PLACEHOLDER = 'media_placeholder';

/**
 * Whether the copy being upserted brings the content (type, body, payload):
 * the stored row has none (a status came first), or only a placeholder, or
 * is the history copy of what the app's echo shows.
 */
const TAKES_CONTENT = sql`(messages.type is null
  or (excluded.type <> ${PLACEHOLDER} and (messages.type = ${PLACEHOLDER}
    or (messages.source = 'history' and excluded.source = 'business_app'))))`;

/** Content precedence of a copy: real content over a placeholder, the echo over history. */
const contentRank = (m: ThreadMessageInput) =>
  (m.type === PLACEHOLDER ? 0 : 2) + (m.source === 'business_app' ? 1 : 0);
const earlier = (a: Date, b: Date) => (a <= b ? a : b);

/**
 * Two copies of one message in a batch, folded as the upsert folds a copy
 * into a stored row: real content beats a media placeholder, the app's echo
 * beats the history copy, the earliest time and the highest status win.
 */
function foldMessage(a: ThreadMessageInput, b: ThreadMessageInput): ThreadMessageInput {
  const content = contentRank(b) > contentRank(a) ? b : a;
  return {
    ...a,
    type: content.type,
    body: content.body,
    payload: content.payload,
    contextWamid: a.contextWamid ?? b.contextWamid,
    contactWaId: a.contactWaId ?? b.contactWaId,
    contactUserId: a.contactUserId ?? b.contactUserId,
    contactId: a.contactId ?? b.contactId,
    source: a.source === 'history' ? b.source : a.source,
    status: statusRank(b.status) > statusRank(a.status) ? b.status : a.status,
    occurredAt: earlier(a.occurredAt, b.occurredAt),
  };
}

/**
 * Whether reaction event `a` supersedes `b`: later wins; at the same second a
 * removal wins; then the greater emoji and reaction wamid, so that two events
 * of one second leave the same row in any arrival order (as the SQL below).
 */
function supersedes(a: ReactionInput, b: ReactionInput): boolean {
  const dt = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (dt !== 0) return dt > 0;
  if ((a.emoji === '') !== (b.emoji === '')) return a.emoji === '';
  if (a.emoji !== b.emoji) return a.emoji > b.emoji;
  return a.reactionWamid > b.reactionWamid;
}

/** An address-book name of the app (smb_app_state_sync) for a contact already resolved. */
export interface AddressBookInput {
  contactId: number;
  name: string | null;
  at: Date;
}

/**
 * Sets the address-book names of coexistence contacts (resolved by
 * `resolveContacts` like every other sighting): the latest sync wins, an
 * older one arriving late changes nothing; kept apart from the WhatsApp
 * profile name.
 */
export async function writeAddressBook(
  db: Executor,
  rows: readonly AddressBookInput[],
): Promise<number> {
  // At the same time, a removal (null) wins, then the greater name, as the SQL below.
  const book = dedupe(
    rows,
    (r) => String(r.contactId),
    (a, b) => {
      const dt = b.at.getTime() - a.at.getTime();
      if (dt !== 0) return dt > 0 ? b : a;
      if ((a.name === null) !== (b.name === null)) return a.name === null ? a : b;
      return (b.name ?? '') > (a.name ?? '') ? b : a;
    },
  );
  if (book.length === 0) return 0;
  await sql`
    update contacts c set address_book_name = t.n, address_book_updated_at = t.at, updated_at = now()
    from unnest(${book.map((r) => r.contactId)}::bigint[], ${book.map((r) => pgText(r.name))}::text[],
      ${book.map((r) => r.at)}::timestamptz[]) as t(id, n, at)
    where c.id = t.id and (c.address_book_updated_at is null or t.at > c.address_book_updated_at
      or (t.at = c.address_book_updated_at and c.address_book_name is not null
        and (t.n is null or t.n collate "C" > c.address_book_name collate "C")))
  `.execute(db);
  return 1;
}

/**
 * Echoes and history messages, upserted by wamid so that the echo, the
 * history copy and a status that arrived first leave one row, whatever the
 * order: content fills a status-only row or a media placeholder, the echo's
 * content replaces the history copy's, an edited or deleted text is never
 * replaced (the edits are applied again after); business_app beats history; the
 * earliest time and the highest status win; the direction is the first seen.
 */
async function upsertThreadMessages(
  db: Executor,
  rows: readonly ThreadMessageInput[],
): Promise<number> {
  const messages = dedupe(rows, (m) => m.wamid, foldMessage);
  if (messages.length === 0) return 0;
  await sql`
    insert into messages (organization_id, wamid, direction, phone_number_id, contact_id, contact_wa_id,
      contact_user_id, type, body, payload, context_wamid, status, occurred_at, sent_at, source)
    select o, w, d, p,
      -- The thread's contact (resolved with the batch's other sightings): one thread with the customer's own messages.
      ci, c, cu, ty, b, pl::jsonb, cx, st, ts,
      case when d = 'outbound' and wa_status_rank(st) >= 1 then ts end, src
    from unnest(
      ${messages.map((m) => m.organizationId)}::uuid[], ${messages.map((m) => pgText(m.wamid))}::text[],
      ${messages.map((m) => m.direction)}::text[], ${messages.map((m) => pgText(m.phoneNumberId))}::text[],
      ${messages.map((m) => m.contactId ?? null)}::bigint[], ${messages.map((m) => pgText(m.contactWaId))}::text[],
      ${messages.map((m) => pgText(m.contactUserId))}::text[], ${messages.map((m) => pgText(m.type))}::text[],
      ${messages.map((m) => pgText(m.body))}::text[], ${messages.map((m) => pgJson(m.payload))}::text[],
      ${messages.map((m) => pgText(m.contextWamid))}::text[], ${messages.map((m) => pgText(m.status))}::text[],
      ${messages.map((m) => m.occurredAt)}::timestamptz[], ${messages.map((m) => m.source)}::text[]
    ) as t(o, w, d, p, ci, c, cu, ty, b, pl, cx, st, ts, src)
    on conflict (wamid) do update set
      type = case when ${TAKES_CONTENT} then excluded.type else messages.type end,
      body = case when ${TAKES_CONTENT} and messages.edited_at is null and messages.deleted_at is null
        then excluded.body else messages.body end,
      payload = case when ${TAKES_CONTENT} and messages.deleted_at is null
        then excluded.payload else messages.payload end,
      context_wamid = coalesce(messages.context_wamid, excluded.context_wamid),
      contact_id = coalesce(messages.contact_id, excluded.contact_id),
      contact_wa_id = coalesce(messages.contact_wa_id, excluded.contact_wa_id),
      contact_user_id = coalesce(messages.contact_user_id, excluded.contact_user_id),
      source = case when messages.type is null or messages.source = 'history'
        then excluded.source else messages.source end,
      status = case when messages.direction = 'outbound'
          and wa_status_rank(excluded.status) > wa_status_rank(messages.status)
        then excluded.status else messages.status end,
      occurred_at = least(messages.occurred_at, excluded.occurred_at),
      sent_at = least(messages.sent_at, excluded.sent_at),
      updated_at = now()
    where messages.organization_id = excluded.organization_id
  `.execute(db);
  return 1;
}

/**
 * Edits and revokes are kept by their own wamid, then applied to every
 * message they name that is stored, in any order of arrival:
 * 1. before the first edit lands, the message's own body is kept as its original version;
 * 2. the body becomes the latest edit's (by Meta's time), `edited_at` its time;
 *    a revoke sets `deleted_at` and clears body and payload;
 * 3. a revoked message's versions lose their text too (it stays in the raw body only).
 * Recomputed from all revisions each time, so redelivery and disorder agree.
 */
async function applyRevisions(
  db: Executor,
  revisions: readonly RevisionInput[],
  arrived: readonly { organizationId: string; wamid: string }[],
): Promise<number> {
  let statements = 0;
  const rows = dedupe(
    revisions,
    (r) => `${r.organizationId}|${r.kind}|${r.revisionWamid}`,
    (a) => a,
  );
  if (rows.length > 0) {
    statements++;
    await sql`
      insert into message_revisions (organization_id, wamid, revision_wamid, kind, type, body, payload,
        source, occurred_at)
      select o, w, rw, k, ty, b, pl::jsonb, src, ts from unnest(
        ${rows.map((r) => r.organizationId)}::uuid[], ${rows.map((r) => pgText(r.wamid))}::text[],
        ${rows.map((r) => pgText(r.revisionWamid))}::text[], ${rows.map((r) => r.kind)}::text[],
        ${rows.map((r) => pgText(r.type))}::text[], ${rows.map((r) => pgText(r.body))}::text[],
        ${rows.map((r) => pgJson(r.payload))}::text[], ${rows.map((r) => r.source)}::text[],
        ${rows.map((r) => r.occurredAt)}::timestamptz[]) as t(o, w, rw, k, ty, b, pl, src, ts)
      on conflict (organization_id, kind, revision_wamid) do nothing
    `.execute(db);
  }
  const targets = [...new Set([...rows, ...arrived].map((r) => pgText(r.wamid)))];
  if (targets.length === 0) return statements;
  statements += 3;
  await sql`
    insert into message_revisions (organization_id, wamid, revision_wamid, kind, type, body, payload,
      source, occurred_at)
    select m.organization_id, m.wamid, m.wamid, 'original', m.type, m.body, m.payload, m.source,
      m.occurred_at
    from messages m
    where m.wamid = any(${targets}::text[]) and m.edited_at is null
      and exists (select from message_revisions r where r.organization_id = m.organization_id
        and r.wamid = m.wamid and r.kind = 'edit')
    on conflict (organization_id, kind, revision_wamid) do nothing
  `.execute(db);
  await sql`
    update messages m set
      body = case when v.deleted_at is not null then null
        when v.edited_at is not null then v.body else m.body end,
      payload = case when v.deleted_at is not null then null else m.payload end,
      edited_at = v.edited_at,
      deleted_at = v.deleted_at,
      updated_at = now()
    from (
      select organization_id, wamid,
        min(occurred_at) filter (where kind = 'revoke') as deleted_at,
        max(occurred_at) filter (where kind = 'edit') as edited_at,
        (array_agg(body order by occurred_at desc, revision_wamid desc)
          filter (where kind = 'edit'))[1] as body
      from message_revisions
      where wamid = any(${targets}::text[]) and kind in ('edit', 'revoke')
      group by organization_id, wamid
    ) v
    where m.wamid = v.wamid and m.organization_id = v.organization_id
      and (m.edited_at is distinct from v.edited_at or m.deleted_at is distinct from v.deleted_at
        or (v.deleted_at is null and m.body is distinct from v.body)
        or (v.deleted_at is not null and (m.body is not null or m.payload is not null)))
  `.execute(db);
  await sql`
    update message_revisions r set body = null, payload = null
    where r.wamid = any(${targets}::text[]) and (r.body is not null or r.payload is not null)
      and exists (select from message_revisions x where x.organization_id = r.organization_id
        and x.wamid = r.wamid and x.kind = 'revoke')
  `.execute(db);
  return statements;
}

/** The current reaction per message, customer and side: the latest event wins, whatever the order. */
async function upsertReactions(db: Executor, rows: readonly ReactionInput[]): Promise<number> {
  const reactions = dedupe(
    rows,
    (r) => `${r.organizationId}|${r.wamid}|${r.contactWaId}|${r.direction}`,
    (a, b) => (supersedes(b, a) ? b : a),
  );
  if (reactions.length === 0) return 0;
  await sql`
    insert into message_reactions as r (organization_id, wamid, contact_wa_id, direction, emoji,
      reaction_wamid, reacted_at, removed_at)
    select o, w, c, d, e, rw, ts, case when e = '' then ts end from unnest(
      ${reactions.map((r) => r.organizationId)}::uuid[], ${reactions.map((r) => pgText(r.wamid))}::text[],
      ${reactions.map((r) => pgText(r.contactWaId))}::text[], ${reactions.map((r) => r.direction)}::text[],
      ${reactions.map((r) => pgText(r.emoji))}::text[], ${reactions.map((r) => pgText(r.reactionWamid))}::text[],
      ${reactions.map((r) => r.occurredAt)}::timestamptz[]) as t(o, w, c, d, e, rw, ts)
    on conflict (organization_id, wamid, contact_wa_id, direction) do update set
      emoji = excluded.emoji,
      reaction_wamid = excluded.reaction_wamid,
      reacted_at = excluded.reacted_at,
      removed_at = excluded.removed_at,
      updated_at = now()
    where (excluded.reacted_at, excluded.emoji = '', excluded.emoji collate "C",
        coalesce(excluded.reaction_wamid, '') collate "C")
      > (r.reacted_at, r.emoji = '', r.emoji collate "C", coalesce(r.reaction_wamid, '') collate "C")
  `.execute(db);
  return 1;
}

/**
 * Writes what changes a thread beyond live customer messages and statuses:
 * echoes and history (their contacts already resolved: `contactId`), edits
 * and revokes, reactions. Runs after the customer messages and statuses of the same batch, so an
 * original arriving with (or after) its edit is found. Returns the number of
 * statements (constant per batch).
 */
export async function writeThreadBatch(
  db: Executor,
  batch: ThreadBatch,
  arrived: readonly { organizationId: string; wamid: string }[],
): Promise<number> {
  let statements = 0;
  statements += await upsertThreadMessages(db, batch.messages);
  statements += await applyRevisions(db, batch.revisions, [...arrived, ...batch.messages]);
  statements += await upsertReactions(db, batch.reactions);
  return statements;
}
