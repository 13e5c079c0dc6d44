import { sql, type Kysely, type Transaction } from 'kysely';
import { ANSWERABLE_MESSAGE_TYPES, UNSUPPORTED_MESSAGE_TYPE } from '@waba/whatsapp';
import type { ConversationKey } from './agent.repository';
import type { AnswerAttemptKind, ConversationRow } from './agent.table';
import type { Database } from './database';
import type { MessageRow } from './message.table';

type Executor = Kysely<Database> | Transaction<Database>;

/** The key columns of a conversation, as conversations, messages and answer_attempts name them. */
function conversationColumns(key: ConversationKey) {
  return {
    organization_id: key.organizationId,
    phone_number_id: key.phoneNumberId,
    contact_id: key.contactId,
  };
}

/**
 * The conversation's row, created if missing and locked for the rest of the
 * transaction: concurrent or duplicate answer jobs of one conversation queue here.
 *
 * The contact's key-share lock comes first, before the conversation's: the
 * claim's inserts take it anyway (their foreign keys), and the processor
 * locks contacts before anything else, so both lock in the same order. Taken
 * later, a worker holding the conversation could queue on the contact behind
 * a processor that waits on it: a deadlock (found by `npm run bench`).
 */
export async function lockConversation(
  trx: Transaction<Database>,
  key: ConversationKey,
): Promise<ConversationRow> {
  await sql`select 1 from contacts where id = ${key.contactId} for key share`.execute(trx);
  await trx
    .insertInto('conversations')
    .values(conversationColumns(key))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return trx
    .selectFrom('conversations')
    .selectAll()
    .where((eb) => eb.and(conversationColumns(key)))
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/**
 * The customer's messages no attempt has claimed yet, oldest first. Conversation
 * turns only: history, reactions, system notices and the like are never answered.
 */
export async function unansweredMessages(
  db: Executor,
  key: ConversationKey,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where((eb) => eb.and(conversationColumns(key)))
    .where('direction', '=', 'inbound')
    .where('source', '=', 'cloud_api')
    .where('type', 'in', [...ANSWERABLE_MESSAGE_TYPES, UNSUPPORTED_MESSAGE_TYPE])
    .where('answer_attempt_id', 'is', null)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export interface NewClaim {
  state: 'sending' | 'skipped';
  kind: AnswerAttemptKind;
  error?: string | null;
  now: Date;
}

/** Opens an answer attempt for `messages` and claims them for it; returns the attempt id. */
export async function claimMessages(
  trx: Transaction<Database>,
  key: ConversationKey,
  messages: readonly Pick<MessageRow, 'id' | 'wamid'>[],
  claim: NewClaim,
): Promise<string> {
  const attempt = await trx
    .insertInto('answer_attempts')
    .values({
      ...conversationColumns(key),
      state: claim.state,
      answers_wamids: messages.map((m) => m.wamid),
      kind: claim.kind,
      error: claim.error ?? null,
      finished_at: claim.state === 'skipped' ? claim.now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('messages')
    .set({ answer_attempt_id: attempt.id })
    .where(
      'id',
      'in',
      messages.map((m) => m.id),
    )
    .execute();
  return attempt.id;
}

/** When the conversation's latest attempt of `kind` that was not given up (failed or skipped) began; null: none. */
export async function lastAttemptAt(
  db: Executor,
  key: ConversationKey,
  kind: AnswerAttemptKind,
): Promise<Date | null> {
  const row = await db
    .selectFrom('answer_attempts')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where((eb) => eb.and(conversationColumns(key)))
    .where('kind', '=', kind)
    .where('state', 'not in', ['failed', 'skipped'])
    .executeTakeFirst();
  return (row?.at as Date | null | undefined) ?? null;
}

/**
 * Nothing was sent: gives the attempt's messages back so a later job answers
 * them, marks the attempt failed, and undoes what the claim did to the
 * conversation, so the retried job decides again: an answer gives its
 * rate-limit slot back; a notice is owed again.
 */
export async function releaseAttempt(
  db: Kysely<Database>,
  attemptId: string,
  error: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('messages')
      .set({ answer_attempt_id: null })
      .where('answer_attempt_id', '=', attemptId)
      .execute();
    await trx
      .updateTable('answer_attempts')
      .set({ state: 'failed', error, finished_at: new Date() })
      .where('id', '=', attemptId)
      .execute();
    await sql`
      update conversations c set
        rate_window_count = case when a.kind = 'answer'
          then greatest(c.rate_window_count - 1, 0) else c.rate_window_count end,
        rate_notice_sent = case when a.kind = 'rate-limit' then false else c.rate_notice_sent end,
        bot_paused = case when a.kind = 'handoff' then false else c.bot_paused end,
        paused_reason = case when a.kind = 'handoff' then null else c.paused_reason end
      from answer_attempts a
      where a.id = ${attemptId} and c.organization_id = a.organization_id
        and c.phone_number_id = a.phone_number_id and c.contact_id = a.contact_id`.execute(trx);
  });
}
