import {
  claimMessages,
  getOptOutKeywords,
  liftSuppressions,
  suppressContacts,
  lastAttemptAt,
  lockConversation,
  unansweredMessages,
  updateConversation,
  type AgentConfigRow,
  type AnswerAttemptKind,
  type Db,
  type MessageRow,
} from '@waba/db';
import type { AddressedJob } from './recipient';
import { decideClaim } from './claim-decision';
import { optOutKeywordSets } from './opt-out';

export { UNSUPPORTED_NOTICE, UNSUPPORTED_NOTICE_WINDOW_MS } from './claim-decision';

export type ClaimDecision =
  | { kind: 'nothing' } // no unanswered messages, or a newer message's job will answer them
  | { kind: 'skip'; reason: string; attemptId: string }
  | {
      kind: 'notice';
      text: string;
      attemptId: string;
      messages: MessageRow[];
      reason: string;
      /** The guardrail whose notice this is. */
      attempt: AnswerAttemptKind;
    }
  | { kind: 'answer'; attemptId: string; messages: MessageRow[] };

/**
 * Decides, under a per-conversation row lock, what this job does, and claims
 * the unanswered customer messages for one answer attempt before anything is
 * sent. Concurrent or duplicate jobs wait on the lock and then find nothing
 * left to answer; a crash after the claim can never lead to a second answer.
 * The decision itself is decideClaim() (claim-decision.ts); this reads its
 * state and applies it.
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
    const lastUnsupportedNoticeAt = await lastAttemptAt(trx, job, 'unsupported');
    const optOut = optOutKeywordSets(await getOptOutKeywords(trx, job.organizationId));
    const plan = decideClaim({
      to: job.to,
      config,
      conversation,
      messages,
      lastUnsupportedNoticeAt,
      optOut,
      now,
    });
    if (plan.kind === 'nothing') return plan;
    if (plan.kind !== 'skip' && plan.conversation)
      await updateConversation(trx, job, plan.conversation);
    if (plan.kind === 'notice' && plan.optOut) {
      // Campaigns address a contact by phone, or by BSUID when it has none.
      const ids = [job.to.waId, job.to.userId].filter((id): id is string => id !== null);
      const { action, keyword, at } = plan.optOut;
      if (action === 'stop')
        await suppressContacts(
          trx,
          job.organizationId,
          ids.map((waId) => ({ waId, source: 'keyword', detail: keyword, at })),
        );
      else await liftSuppressions(trx, job.organizationId, ids, at);
    }
    const state = plan.kind === 'skip' ? 'skipped' : 'sending';
    const attemptId = await claimMessages(trx, job, messages, { state, kind: plan.attempt, now });
    if (plan.kind === 'skip') return { kind: 'skip', reason: plan.reason, attemptId };
    if (plan.kind === 'notice')
      return {
        kind: 'notice',
        text: plan.text,
        attemptId,
        messages,
        reason: plan.reason,
        attempt: plan.attempt,
      };
    return { kind: 'answer', attemptId, messages };
  });
}
