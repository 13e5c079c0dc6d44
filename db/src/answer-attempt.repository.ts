import { sql, type Kysely, type Transaction } from 'kysely';
import type { AnswerAttemptRow, ReplyPart } from './agent.table';
import type { Database } from './database';
import type { StatusEventInput } from './ingest.repository';
import { pgJson, pgText } from './pg-safe';

type Executor = Kysely<Database> | Transaction<Database>;

const ANSWER_TAG =
  /^answer:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,4})$/i;

/**
 * The `biz_opaque_callback_data` of part `part` (0-based) of an answer
 * attempt's reply: `answer:<attempt id>:<part>`. Meta echoes it on every
 * status of that message, which is how an unknown send is settled.
 */
export function answerTag(attemptId: string, part: number): string {
  return `answer:${attemptId}:${part}`;
}

export function parseAnswerTag(tag: string | null): { attemptId: string; part: number } | null {
  const match = tag ? ANSWER_TAG.exec(tag.trim()) : null;
  return match ? { attemptId: match[1]!.toLowerCase(), part: Number(match[2]) } : null;
}

/**
 * Settles answer attempts from status webhooks tagged `answer:<id>:<part>`,
 * in the processor's transaction: one statement, none when no status carries
 * such a tag. A status proves Meta took that part (even `failed`: Meta
 * accepted it and could not deliver). The proof is kept on the attempt
 * whatever its state, so a status that beats the worker's own record of an
 * unknown send still counts; an `unknown` attempt whose last part is proven
 * becomes `sent`. A tag is honoured only for an attempt of the status's own
 * organization. Returns the statements run (0 or 1), as the ingest writer counts them.
 */
export async function settleAnswerAttempts(
  db: Executor,
  statuses: readonly StatusEventInput[],
): Promise<number> {
  const tagged = statuses.flatMap((s) => {
    const tag = parseAnswerTag(s.bizOpaqueCallbackData);
    return tag ? [{ ...tag, wamid: s.wamid, organizationId: s.organizationId }] : [];
  });
  if (tagged.length === 0) return 0;
  const proven = sql<boolean>`a.state = 'unknown' and s.part >= a.unknown_part
    and s.part >= jsonb_array_length(a.reply_parts) - 1`;
  await sql`
    update answer_attempts a set
      status_part = greatest(a.status_part, s.part),
      status_wamid = case when a.status_part is null or s.part >= a.status_part
        then s.wamid else a.status_wamid end,
      state = case when ${proven} then 'sent' else a.state end,
      reply_wamids = case when ${proven} and not s.wamid = any(a.reply_wamids)
        then a.reply_wamids || s.wamid else a.reply_wamids end,
      finished_at = case when ${proven} then now() else a.finished_at end
    from (
      select distinct on (t.id) t.id, t.part, t.wamid, t.org from unnest(
        ${tagged.map((t) => t.attemptId)}::uuid[], ${tagged.map((t) => t.part)}::int[],
        ${tagged.map((t) => pgText(t.wamid))}::text[], ${tagged.map((t) => t.organizationId)}::uuid[]
      ) as t(id, part, wamid, org)
      order by t.id, t.part desc
    ) s
    where a.id = s.id and a.organization_id = s.org
      and a.state in ('sending', 'unknown', 'resending')
  `.execute(db);
  return 1;
}

export interface UnknownSend {
  attemptId: string;
  parts: readonly ReplyPart[];
  /** Index of the part whose outcome is unknown; the ones before it were sent. */
  unknownPart: number;
  /** Wamids of every reply part known sent so far. */
  replyWamids: readonly string[];
  /** The agent that wrote the reply; null for a guardrail's notice. */
  agent?: string | null;
  error: string;
  now: Date;
  /** A re-send came back unknown again: it stays claimed, so it is never sent a third time. */
  keepClaim?: boolean;
}

/**
 * Records that an attempt's send outcome is unknown. If a status for that
 * part already arrived (it beat this write), the attempt is settled at once.
 */
export async function markAttemptUnknown(
  db: Executor,
  send: UnknownSend,
): Promise<AnswerAttemptRow> {
  const last = send.parts.length - 1;
  return db
    .updateTable('answer_attempts')
    .set((eb) => ({
      reply_parts: pgJson(send.parts),
      unknown_part: send.unknownPart,
      unknown_since: send.now,
      reply_wamids: [...send.replyWamids],
      error: send.error,
      ...(send.agent === undefined ? {} : { agent: send.agent }),
      ...(send.keepClaim ? {} : { resend_claimed_at: null }),
      state: sql<'sent' | 'unknown'>`case when ${eb.ref('status_part')} >= ${last}
        and ${eb.ref('status_part')} >= ${send.unknownPart} then 'sent' else 'unknown' end`,
      finished_at: sql<Date | null>`case when ${eb.ref('status_part')} >= ${last}
        and ${eb.ref('status_part')} >= ${send.unknownPart} then ${send.now}::timestamptz end`,
    }))
    .where('id', '=', send.attemptId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ConversationRef {
  organizationId: string;
  phoneNumberId: string;
  /** The customer (contacts.id). */
  contactId: number;
}

/**
 * Claims, once and for all, the unknown attempts of a conversation that are
 * due: no status came within `graceMs`, or a status proved the unknown part
 * sent and later parts are still to go. A claimed attempt is never claimed
 * again (concurrent workers wait on the row lock, then find it claimed), and
 * an attempt a status settled first is no longer `unknown`, so it is never
 * re-sent.
 */
export async function claimDueUnknownAttempts(
  db: Executor,
  conversation: ConversationRef,
  now: Date,
  graceMs: number,
): Promise<AnswerAttemptRow[]> {
  const cutoff = new Date(now.getTime() - graceMs);
  return db
    .updateTable('answer_attempts')
    .set({ state: 'resending', resend_claimed_at: now })
    .where('organization_id', '=', conversation.organizationId)
    .where('phone_number_id', '=', conversation.phoneNumberId)
    .where('contact_id', '=', conversation.contactId)
    .where('state', '=', 'unknown')
    .where('resend_claimed_at', 'is', null)
    .where((eb) =>
      eb.or([eb('unknown_since', '<=', cutoff), eb('status_part', '>=', eb.ref('unknown_part'))]),
    )
    .returningAll()
    .execute();
}

/** When the next unclaimed unknown attempt of the conversation falls due; null: none waits. */
export async function nextUnknownDue(
  db: Executor,
  conversation: ConversationRef,
  graceMs: number,
): Promise<Date | null> {
  const row = await db
    .selectFrom('answer_attempts')
    .select((eb) => eb.fn.min('unknown_since').as('since'))
    .where('organization_id', '=', conversation.organizationId)
    .where('phone_number_id', '=', conversation.phoneNumberId)
    .where('contact_id', '=', conversation.contactId)
    .where('state', '=', 'unknown')
    .where('resend_claimed_at', 'is', null)
    .executeTakeFirst();
  const since = row?.since as Date | null | undefined;
  return since ? new Date(since.getTime() + graceMs) : null;
}

/** Ends a claimed re-send: every remaining part went out, or Meta refused for good. */
export async function finishResend(
  db: Executor,
  attemptId: string,
  end: {
    state: 'sent' | 'failed';
    replyWamids: readonly string[];
    error: string | null;
    now: Date;
  },
): Promise<void> {
  await db
    .updateTable('answer_attempts')
    .set({
      state: end.state,
      reply_wamids: [...end.replyWamids],
      error: end.error,
      finished_at: end.now,
    })
    .where('id', '=', attemptId)
    .execute();
}
