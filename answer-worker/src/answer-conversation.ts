import {
  searchKnowledge,
  getAgentConfig,
  markAttemptUnknown,
  nextUnknownDue,
  releaseAttempt,
  updateConversation,
  type AgentConfigRow,
  type Db,
  type MessageRow,
  type ReplyPart,
} from '@waba/db';
import { addressJob, type AddressedJob } from './recipient';
import { classifySendFailure, type AnswerJob } from '@waba/whatsapp';
import type { AgentInput } from './agent/agent';
import { agentReplySchema, type AgentReply } from './agent/agent.schema';
import { claimConversation } from './claim';
import { DEFAULT_UNKNOWN_GRACE_SECONDS } from './env.schema';
import { ANSWER_NOT_SENT_EVENT, RetryLaterError, TokenUnusableError } from './errors';
import { loadHistory } from './history';
import { imagesBeingArchived, loadImages } from './images';
import { redactPii } from './pii';
import {
  insertReplyMessages,
  planReplyParts,
  sendReplyParts,
  type ReplyAuthor,
  type SentPart,
} from './reply-parts';
import { resendDueUnknown } from './resend-unknown';
import type { AnswerDeps } from './answer-deps';

export type { AnswerDeps } from './answer-deps';

export type AnswerOutcome =
  | { kind: 'nothing' }
  | { kind: 'skipped'; reason: string }
  /** `agent` is null for a guardrail's notice (handoff, rate limit, unsupported). */
  | { kind: 'answered'; replyWamids: string[]; agent: string | null }
  | { kind: 'failed'; reason: string }
  | { kind: 'unknown'; reason: string };

/** The outcome; `recheckAt` is set while an answer of the conversation waits in `unknown`. */
export type AnswerResult = AnswerOutcome & { recheckAt?: Date };

export const DEFAULT_UNKNOWN_GRACE_MS = DEFAULT_UNKNOWN_GRACE_SECONDS * 1000;

function buttonIdOf(m: MessageRow): string | null {
  const p = m.payload as {
    interactive?: { button_reply?: { id?: string } };
    button?: { payload?: string };
  } | null;
  return p?.interactive?.button_reply?.id ?? p?.button?.payload ?? null;
}

async function think(
  job: AddressedJob,
  messages: MessageRow[],
  config: AgentConfigRow,
  deps: AnswerDeps,
) {
  const agent = deps.agentFor(config);
  const redact = config.pii_redaction ? redactPii : (s: string) => s;
  const texts = messages.map((m) => m.body ?? `[${m.type ?? 'message'}]`);
  // The organization's opt-in, a model that takes images, and an archive to read them from.
  const media = config.image_input && agent.acceptsImages ? deps.media : undefined;
  const [history, knowledge, images] = await Promise.all([
    loadHistory(deps.db, messages[0]!, config.history_turns),
    searchKnowledge(deps.db, job.organizationId, texts.join(' ')),
    media ? loadImages({ ...deps, media }, job.organizationId, messages) : undefined,
  ]);
  const input: AgentInput = {
    instructions: config.instructions,
    history: history.map((t) => ({ ...t, text: redact(t.text) })),
    messages: messages.map((m, i) => {
      const image = images?.get(m.wamid);
      return { text: redact(texts[i]!), buttonId: buttonIdOf(m), ...(image && { image }) };
    }),
    knowledge,
    contactName: null,
  };
  try {
    const reply = agentReplySchema.parse(
      await agent.answer(input, AbortSignal.timeout(deps.agentTimeoutMs)),
    );
    return { agent: agent.name, reply: { ...reply, messages: reply.messages.map(redact) } };
  } catch (error) {
    deps.logger.warn(
      { err: error, agent: agent.name, organizationId: job.organizationId },
      'agent failed, sending the fallback',
    );
    return {
      agent: `${agent.name}:fallback`,
      reply: { messages: [config.fallback_text] } as AgentReply,
    };
  }
}

async function record(
  db: Db,
  job: AddressedJob,
  author: ReplyAuthor,
  claimed: MessageRow[],
  sent: SentPart[],
  error: string | null,
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    await insertReplyMessages(trx, job, author, claimed, sent, now);
    await trx
      .updateTable('answer_attempts')
      .set({
        state: sent.length ? 'sent' : 'failed',
        reply_wamids: sent.map((s) => s.wamid),
        agent: author.agent,
        error,
        finished_at: now,
      })
      .where('id', '=', author.attemptId)
      .execute();
    await updateConversation(trx, job, { last_answered_at: now });
  });
}

/** The parts sent so far are recorded; the attempt waits for its status webhook or the grace period. */
async function recordUnknown(
  db: Db,
  job: AddressedJob,
  author: ReplyAuthor,
  claimed: MessageRow[],
  parts: ReplyPart[],
  sent: SentPart[],
  reason: string,
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    await insertReplyMessages(trx, job, author, claimed, sent, now);
    await markAttemptUnknown(trx, {
      attemptId: author.attemptId,
      parts,
      unknownPart: sent.length,
      replyWamids: sent.map((s) => s.wamid),
      agent: author.agent,
      error: reason,
      now,
    });
    await updateConversation(trx, job, { last_answered_at: now });
  });
}

/**
 * Answers every unanswered customer message of one conversation, once.
 * 0. Refuse an unusable Graph token before claiming anything; re-send, once,
 *    earlier answers whose outcome stayed unknown past the grace period.
 * 1. Claim the messages under the conversation lock (guardrails decide: skip, notice or answer);
 *    an image the model may see that is still being archived releases the claim (RetryLaterError).
 * 2. Mark them read and show the typing indicator.
 * 3. Ask the agent, with the conversation's history and matching knowledge (fallback text on failure).
 * 4. Send through the Graph API, then record the replies as outbound messages.
 * A refusal Meta marks retryable, or a request that provably never left,
 * before anything was sent releases the claim and throws RetryLaterError; a
 * permanent refusal is recorded and not retried; a send that may have
 * reached Meta is `unknown` and is never repeated blindly (see resend-unknown.ts).
 * `recheckAt` tells the caller to keep the job until an unknown answer falls due.
 */
export async function answerConversation(
  unaddressed: AnswerJob,
  deps: AnswerDeps,
): Promise<AnswerResult> {
  await deps.graph.checkToken().catch((error: unknown) => {
    throw new TokenUnusableError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  });
  const job = await addressJob(deps.db, unaddressed);
  if (!job) return { kind: 'nothing' };
  const graceMs = deps.unknownGraceMs ?? DEFAULT_UNKNOWN_GRACE_MS;
  await resendDueUnknown(job, { ...deps, unknownGraceMs: graceMs });
  const outcome = await answerNew(job, deps, graceMs);
  const due = await nextUnknownDue(deps.db, job, graceMs);
  return due === null ? outcome : { ...outcome, recheckAt: due };
}

async function answerNew(
  job: AddressedJob,
  deps: AnswerDeps,
  graceMs: number,
): Promise<AnswerOutcome> {
  const config = await getAgentConfig(deps.db, job.organizationId);
  const decision = await claimConversation(deps.db, job, config, deps.clock());
  if (decision.kind === 'nothing') return { kind: 'nothing' };
  if (decision.kind === 'skip') {
    deps.logger.info(
      {
        organizationId: job.organizationId,
        attemptId: decision.attemptId,
        reason: decision.reason,
      },
      'not answering',
    );
    return { kind: 'skipped', reason: decision.reason };
  }
  if (
    decision.kind === 'answer' &&
    config.image_input &&
    deps.media &&
    deps.agentFor(config).acceptsImages &&
    (await imagesBeingArchived(deps.db, job.organizationId, decision.messages, deps.clock()))
  ) {
    // Answered a little later with the image rather than now on its caption alone.
    await releaseAttempt(deps.db, decision.attemptId, 'an image is still being archived');
    throw new RetryLaterError('an image of these messages is still being archived');
  }
  const last = decision.messages.at(-1)!;
  await deps.graph
    .markReadWithTyping(job.phoneNumberId, last.wamid)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, attemptId: decision.attemptId }, 'mark read / typing failed'),
    );

  const { agent, reply } =
    decision.kind === 'notice'
      ? { agent: null, reply: { messages: [decision.text] } as AgentReply }
      : await think(job, decision.messages, config, deps);

  const parts = planReplyParts(reply);
  const { attemptId } = decision;
  const kind = decision.kind === 'notice' ? decision.attempt : 'answer';
  const author: ReplyAuthor = { attemptId, kind, agent };
  const { sent, error } = await sendReplyParts(deps.graph, job, attemptId, parts, 0, last.wamid);
  const failure = error === null ? null : classifySendFailure(error);
  const reason = failure?.reason ?? null;
  if (failure?.outcome === 'refused' && sent.length === 0) {
    if (failure.token || failure.retryable)
      await releaseAttempt(deps.db, attemptId, failure.reason);
    if (failure.token) throw new TokenUnusableError(failure.reason, { cause: error });
    if (failure.retryable) {
      throw new RetryLaterError(`Graph API asked to retry: ${failure.reason}`, { cause: error });
    }
  }
  if (failure?.outcome === 'unknown') {
    const now = deps.clock();
    await recordUnknown(deps.db, job, author, decision.messages, parts, sent, failure.reason, now);
    deps.logger.warn(
      { attemptId, part: sent.length, reason: failure.reason, graceSeconds: graceMs / 1000 },
      'answer send outcome unknown: waiting for its status webhook, re-sent once after the grace period',
    );
    return { kind: 'unknown', reason: failure.reason };
  }
  await record(deps.db, job, author, decision.messages, sent, reason, deps.clock());
  if (sent.length === 0) {
    deps.logger.warn(
      { attemptId, reason, event: ANSWER_NOT_SENT_EVENT },
      'answer not sent (permanent error)',
    );
    return { kind: 'failed', reason: reason ?? 'unknown' };
  }
  deps.logger.info({ attemptId, kind, agent, replies: sent.length }, 'answered');
  return { kind: 'answered', replyWamids: sent.map((s) => s.wamid), agent };
}
