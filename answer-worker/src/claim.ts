import {
  claimMessages,
  hasAttemptSince,
  lockConversation,
  unansweredMessages,
  updateConversation,
  type AgentConfigRow,
  type Db,
  type MessageRow,
} from '@waba/db';
import { UNSUPPORTED_MESSAGE_TYPE } from '@waba/whatsapp';
import type { AddressedJob } from './recipient';
import { keywordMatcher } from './keywords';

/** The answer to a message WhatsApp could not show us (Meta's `unsupported` type). */
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
    const conversation = await lockConversation(trx, job);
    const messages = await unansweredMessages(trx, job);
    if (messages.length === 0) return { kind: 'nothing' };

    // Debounce: a message younger than the window has a job of its own still to come.
    const newest = Math.max(...messages.map((m) => m.created_at.getTime()));
    if (now.getTime() - newest < config.debounce_seconds * 1000 - 250) return { kind: 'nothing' };

    const claim = (state: 'sending' | 'skipped', agent: string) =>
      claimMessages(trx, job, messages, { state, agent, now });

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
      const noticed = await hasAttemptSince(trx, job, UNSUPPORTED_AGENT, since);
      if (noticed) {
        return {
          kind: 'skip',
          reason: 'unsupported message, already noticed',
          attemptId: await claim('skipped', UNSUPPORTED_AGENT),
        };
      }
      return {
        kind: 'notice',
        text: UNSUPPORTED_NOTICE,
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
