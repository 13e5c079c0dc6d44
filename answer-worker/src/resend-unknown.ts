import {
  claimDueUnknownAttempts,
  finishResend,
  markAttemptUnknown,
  type AnswerAttemptRow,
} from '@waba/db';
import type { AddressedJob } from './recipient';
import { classifySendFailure } from '@waba/whatsapp';
import type { AnswerDeps } from './answer-deps';
import { ANSWER_NOT_SENT_EVENT, RetryLaterError, TokenUnusableError } from './errors';
import { insertReplyMessages, sendReplyParts } from './reply-parts';
import { resendPlan } from './claim-decision';

/**
 * Re-sends, once, the answers of this conversation whose send outcome stayed
 * unknown: no status webhook within the grace period (the part is sent
 * again), or a status proved the part sent and later parts were never sent
 * (those go now). Each attempt is claimed first, so concurrent or duplicate
 * jobs re-send it at most once, and an attempt a status settled is never
 * claimed. A re-send that comes back unknown again is left to the operator.
 */
export async function resendDueUnknown(
  job: AddressedJob,
  deps: AnswerDeps & { unknownGraceMs: number },
): Promise<void> {
  const claimed = await claimDueUnknownAttempts(deps.db, job, deps.clock(), deps.unknownGraceMs);
  for (const attempt of claimed) await resendOne(job, attempt, deps);
}

async function resendOne(job: AddressedJob, attempt: AnswerAttemptRow, deps: AnswerDeps) {
  const { parts, from, proven, known } = resendPlan(attempt);
  const answers = await deps.db
    .selectFrom('messages')
    .select(['wamid', 'occurred_at'])
    .where('answer_attempt_id', '=', attempt.id)
    .orderBy('occurred_at')
    .execute();
  const replyTo = attempt.answers_wamids.at(-1) ?? '';
  const log = deps.logger.child({ attemptId: attempt.id });
  const { sent, error } = await sendReplyParts(deps.graph, job, attempt.id, parts, from, replyTo);
  const now = deps.clock();
  const author = { attemptId: attempt.id, kind: attempt.kind, agent: attempt.agent };
  const replyWamids = [...known, ...sent.map((s) => s.wamid)];
  if (error === null) {
    await deps.db.transaction().execute(async (trx) => {
      await insertReplyMessages(trx, job, author, answers, sent, now);
      await finishResend(trx, attempt.id, { state: 'sent', replyWamids, error: null, now });
    });
    log.info(
      { parts: sent.length, resent: !proven },
      proven ? 'rest of the answer sent after its status' : 'unknown answer re-sent once',
    );
    return;
  }
  // What went out before the error is recorded even if recording the end fails.
  await insertReplyMessages(deps.db, job, author, answers, sent, now);
  const failure = classifySendFailure(error);
  const unknown = {
    attemptId: attempt.id,
    parts,
    unknownPart: from + sent.length,
    replyWamids,
    error: failure.reason,
  };
  if (failure.outcome === 'unknown') {
    await markAttemptUnknown(deps.db, { ...unknown, now, keepClaim: true });
    log.error(
      { reason: failure.reason, event: ANSWER_NOT_SENT_EVENT },
      'answer outcome still unknown after its one re-send: left to the operator',
    );
    return;
  }
  if (failure.retryable || failure.token) {
    // Nothing of that part went out: it stays due (same grace start) for the retried job.
    await markAttemptUnknown(deps.db, { ...unknown, now: attempt.unknown_since ?? now });
    if (failure.token) throw new TokenUnusableError(failure.reason, { cause: error });
    throw new RetryLaterError(`Graph API asked to retry: ${failure.reason}`, { cause: error });
  }
  await finishResend(deps.db, attempt.id, {
    state: replyWamids.length > 0 ? 'sent' : 'failed',
    replyWamids,
    error: failure.reason,
    now,
  });
  log.warn(
    { reason: failure.reason, event: ANSWER_NOT_SENT_EVENT },
    'answer re-send refused (permanent error)',
  );
}
