import { sql } from 'kysely';
import { updateConversation, type AgentConfigRow, type Db, type MessageRow } from '@waba/db';
import { ANSWERABLE_MESSAGE_TYPES, UNSUPPORTED_MESSAGE_TYPE } from '@waba/whatsapp';
import type { AddressedJob } from './recipient';
import { keywordMatcher } from './keywords';

/**
 * The default answer to a message WhatsApp could not show us (Meta's
 * `unsupported` type); each organization sets its own (agent_configs.unsupported_notice).
 */
export const UNSUPPORTED_NOTICE =
  "Sorry, I can't read this kind of message. Could you send it as text, a photo or a voice note?";
/** The unsupported notice is sent at most once per contact in this window (WhatsApp's 24 h conversation window). */
export const UNSUPPORTED_NOTICE_WINDOW_MS = 24 * 60 * 60 * 1000;
const UNSUPPORTED_AGENT = 'guard:unsupported';

export type ClaimDecision =
  | { kind: 'nothing' } // no unanswered messages, or a newer message's job will answer them
  | { kind: 'skip'; reason: string; attemptId: string }
  | { kind: 'notice'; text: string; attemptId: string; messages: MessageRow[]; reason: string }
  | { kind: 'answer'; attemptId: string; messages: MessageRow[] };

/**
 * Decides, under a per-conversation row lock, what this job does, and claims
 * the unanswered customer messages for one answer attempt before anything is
 * sent. Concurrent or duplicate jobs wait on the lock and then find nothing
 * left to answer; a crash after the claim can never lead to a second answer.
 */
export async function claimConversation(
  db: Db,
  job: AddressedJob,
  config: AgentConfigRow,
  now: Date,
): Promise<ClaimDecision> {
  return db.transaction().execute(async (trx) => {
    const key = {
      organization_id: job.organizationId,
      phone_number_id: job.phoneNumberId,
      contact_id: job.contactId,
    };
    await trx
      .insertInto('conversations')
      .values(key)
      .onConflict((oc) => oc.doNothing())
      .execute();
    const conversation = await trx
      .selectFrom('conversations')
      .selectAll()
      .where('organization_id', '=', key.organization_id)
      .where('phone_number_id', '=', key.phone_number_id)
      .where('contact_id', '=', key.contact_id)
      .forUpdate()
      .executeTakeFirstOrThrow();

    const messages = await trx
      .selectFrom('messages')
      .selectAll()
      .where('organization_id', '=', job.organizationId)
      .where('phone_number_id', '=', job.phoneNumberId)
      .where('contact_id', '=', job.contactId)
      .where('direction', '=', 'inbound')
      // Conversation turns only: history, reactions, system notices and the like are never answered.
      .where('source', '=', 'cloud_api')
      .where('type', 'in', [...ANSWERABLE_MESSAGE_TYPES, UNSUPPORTED_MESSAGE_TYPE])
      .where('answer_attempt_id', 'is', null)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    if (messages.length === 0) return { kind: 'nothing' };

    // Debounce: a message younger than the window has a job of its own still to come.
    const newest = Math.max(...messages.map((m) => m.created_at.getTime()));
    if (now.getTime() - newest < config.debounce_seconds * 1000 - 250) return { kind: 'nothing' };

    const claim = async (
      state: 'sending' | 'skipped',
      agent: string,
      error: string | null = null,
    ) => {
      const attempt = await trx
        .insertInto('answer_attempts')
        .values({
          ...key,
          state,
          answers_wamids: messages.map((m) => m.wamid),
          agent,
          error,
          finished_at: state === 'skipped' ? now : null,
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
    };

    if (
      config.allowed_numbers &&
      ![job.to.waId, job.to.userId].some(
        (id) => id !== null && config.allowed_numbers!.includes(id),
      )
    ) {
      return {
        kind: 'skip',
        reason: 'not an allowed number',
        attemptId: await claim('skipped', 'guard:allowed-numbers'),
      };
    }
    if (conversation.bot_paused) {
      return {
        kind: 'skip',
        reason: 'handed off to a person',
        attemptId: await claim('skipped', 'guard:handoff'),
      };
    }
    const asksForHuman = keywordMatcher(config.handoff_keywords);
    const wantsHuman = messages.some((m) => asksForHuman(m.body ?? ''));
    if (wantsHuman) {
      await updateConversation(trx, job, {
        bot_paused: true,
        paused_reason: 'customer asked for a person',
      });
      const attemptId = await claim('sending', 'guard:handoff');
      return {
        kind: 'notice',
        text: config.handoff_notice,
        attemptId,
        messages,
        reason: 'handoff',
      };
    }

    // Nothing but messages WhatsApp could not show us: one polite notice per window, then silence.
    if (messages.every((m) => m.type === UNSUPPORTED_MESSAGE_TYPE)) {
      const since = new Date(now.getTime() - UNSUPPORTED_NOTICE_WINDOW_MS);
      const noticed = await trx
        .selectFrom('answer_attempts')
        .select('id')
        .where('organization_id', '=', key.organization_id)
        .where('phone_number_id', '=', key.phone_number_id)
        .where('contact_id', '=', key.contact_id)
        .where('agent', '=', UNSUPPORTED_AGENT)
        .where('state', 'not in', ['failed', 'skipped'])
        .where('created_at', '>', since)
        .executeTakeFirst();
      if (noticed) {
        return {
          kind: 'skip',
          reason: 'unsupported message, already noticed',
          attemptId: await claim('skipped', UNSUPPORTED_AGENT),
        };
      }
      return {
        kind: 'notice',
        text: config.unsupported_notice,
        attemptId: await claim('sending', UNSUPPORTED_AGENT),
        messages,
        reason: 'unsupported',
      };
    }

    // Per-contact rate limit: answers per window; one polite notice, then silence.
    const windowMs = config.rate_limit_window_seconds * 1000;
    const fresh =
      !conversation.rate_window_started_at ||
      now.getTime() - conversation.rate_window_started_at.getTime() >= windowMs;
    const count = fresh ? 0 : conversation.rate_window_count;
    if (count >= config.rate_limit_count) {
      if (conversation.rate_notice_sent) {
        return {
          kind: 'skip',
          reason: 'rate limited',
          attemptId: await claim('skipped', 'guard:rate-limit'),
        };
      }
      await updateConversation(trx, job, { rate_notice_sent: true });
      const attemptId = await claim('sending', 'guard:rate-limit');
      return {
        kind: 'notice',
        text: config.rate_limit_notice,
        attemptId,
        messages,
        reason: 'rate limited',
      };
    }
    await updateConversation(trx, job, {
      rate_window_started_at: fresh ? now : conversation.rate_window_started_at,
      rate_window_count: count + 1,
      rate_notice_sent: fresh ? false : conversation.rate_notice_sent,
    });
    return { kind: 'answer', attemptId: await claim('sending', 'pending'), messages };
  });
}

/** Nothing was sent: give the messages back so a later job answers them. */
export async function releaseClaim(db: Db, attemptId: string, error: string): Promise<void> {
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
    // Undo what the claim did to the conversation, so the retried job decides
    // again: an answer gives its rate-limit slot back; a notice is owed again.
    await sql`
      update conversations c set
        rate_window_count = case when a.agent = 'pending'
          then greatest(c.rate_window_count - 1, 0) else c.rate_window_count end,
        rate_notice_sent = case when a.agent = 'guard:rate-limit' then false else c.rate_notice_sent end,
        bot_paused = case when a.agent = 'guard:handoff' then false else c.bot_paused end,
        paused_reason = case when a.agent = 'guard:handoff' then null else c.paused_reason end
      from answer_attempts a
      where a.id = ${attemptId} and c.organization_id = a.organization_id
        and c.phone_number_id = a.phone_number_id and c.contact_id = a.contact_id`.execute(trx);
  });
}
