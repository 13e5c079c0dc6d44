import {
  searchKnowledge,
  getAgentConfig,
  updateConversation,
  type AgentConfigRow,
  type Db,
  type MessageRow,
} from '@waba/db';
import {
  GraphApiError,
  INTERACTIVE_BODY_LIMIT,
  splitText,
  type AnswerJob,
  type GraphClient,
  type Logger,
} from '@waba/whatsapp';
import type { Agent, AgentInput } from './agent/agent';
import { agentReplySchema, type AgentReply } from './agent/agent.schema';
import { claimConversation, releaseClaim } from './claim';
import { RetryLaterError } from './errors';
import { loadHistory } from './history';
import { redactPii } from './pii';

export interface AnswerDeps {
  db: Db;
  graph: GraphClient;
  /** The agent an organization's configuration asks for. */
  agentFor: (config: AgentConfigRow) => Agent;
  logger: Logger;
  clock: () => Date;
  /** The agent's time limit; past it the fallback text is sent. */
  agentTimeoutMs: number;
}

export type AnswerOutcome =
  | { kind: 'nothing' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'answered'; replyWamids: string[]; agent: string }
  | { kind: 'failed'; reason: string };

function buttonIdOf(m: MessageRow): string | null {
  const p = m.payload as {
    interactive?: { button_reply?: { id?: string } };
    button?: { payload?: string };
  } | null;
  return p?.interactive?.button_reply?.id ?? p?.button?.payload ?? null;
}

async function think(
  job: AnswerJob,
  messages: MessageRow[],
  config: AgentConfigRow,
  deps: AnswerDeps,
) {
  const agent = deps.agentFor(config);
  const redact = config.pii_redaction ? redactPii : (s: string) => s;
  const texts = messages.map((m) => m.body ?? `[${m.type ?? 'message'}]`);
  const [history, knowledge] = await Promise.all([
    loadHistory(deps.db, messages[0]!, config.history_turns),
    searchKnowledge(deps.db, job.organizationId, texts.join(' ')),
  ]);
  const input: AgentInput = {
    instructions: config.instructions,
    history: history.map((t) => ({ ...t, text: redact(t.text) })),
    messages: messages.map((m, i) => ({ text: redact(texts[i]!), buttonId: buttonIdOf(m) })),
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

async function send(
  job: AnswerJob,
  reply: AgentReply,
  attemptId: string,
  replyTo: string,
  graph: GraphClient,
) {
  const opts = { bizOpaque: `reply:${attemptId}` };
  const parts = reply.messages.flatMap((m) => splitText(m));
  const sent: Array<{ wamid: string; type: string; body: string }> = [];
  const buttons = reply.buttons?.length ? reply.buttons : null;
  const buttonBody =
    buttons && parts.at(-1)!.length <= INTERACTIVE_BODY_LIMIT ? parts.pop()! : null;
  try {
    for (const [i, part] of parts.entries()) {
      const [result] = await graph.sendText(job.phoneNumberId, job.contactWaId, part, {
        ...opts,
        ...(i === 0 ? { replyTo } : {}),
      });
      sent.push({ wamid: result!.wamid, type: 'text', body: part });
    }
    if (buttons) {
      const body = buttonBody ?? '👇';
      const result = await graph.sendButtons(
        job.phoneNumberId,
        job.contactWaId,
        body,
        buttons,
        opts,
      );
      sent.push({ wamid: result.wamid, type: 'interactive', body });
    }
    return { sent, error: null };
  } catch (error) {
    return { sent, error };
  }
}

async function record(
  db: Db,
  job: AnswerJob,
  attemptId: string,
  agent: string,
  claimed: MessageRow[],
  sent: Array<{ wamid: string; type: string; body: string }>,
  error: string | null,
  now: Date,
) {
  // A reply sorts after what it answers in the thread, whatever the clocks of Meta and of this worker say.
  const latest = Math.max(...claimed.map((m) => m.occurred_at.getTime()));
  const replyAt = new Date(Math.max(now.getTime(), latest + 1));
  await db.transaction().execute(async (trx) => {
    if (sent.length) {
      await trx
        .insertInto('messages')
        .values(
          sent.map((s) => ({
            organization_id: job.organizationId,
            wamid: s.wamid,
            direction: 'outbound' as const,
            phone_number_id: job.phoneNumberId,
            contact_wa_id: job.contactWaId,
            type: s.type,
            body: s.body,
            payload: JSON.stringify({ agent, attemptId }),
            context_wamid: null,
            status: 'accepted',
            occurred_at: replyAt,
            error_code: null,
            error_title: null,
            biz_opaque_callback_data: `reply:${attemptId}`,
            campaign_id: null,
            in_reply_to: claimed.map((m) => m.wamid),
          })),
        )
        // Its status webhook may have been stored first (a row without a body): complete it.
        .onConflict((oc) =>
          oc.column('wamid').doUpdateSet((eb) => ({
            type: eb.ref('excluded.type'),
            body: eb.ref('excluded.body'),
            payload: eb.ref('excluded.payload'),
            in_reply_to: eb.ref('excluded.in_reply_to'),
            occurred_at: eb.ref('excluded.occurred_at'),
          })),
        )
        .execute();
    }
    await trx
      .updateTable('answer_attempts')
      .set({
        state: sent.length ? 'sent' : 'failed',
        reply_wamids: sent.map((s) => s.wamid),
        agent,
        error,
        finished_at: now,
      })
      .where('id', '=', attemptId)
      .execute();
    await updateConversation(trx, job, { last_answered_at: now });
  });
}

/**
 * Answers every unanswered customer message of one conversation, once.
 * 1. Claim them under the conversation lock (guardrails decide: skip, notice or answer).
 * 2. Mark them read and show the typing indicator.
 * 3. Ask the agent, with the conversation's history and matching knowledge (fallback text on failure).
 * 4. Send through the Graph API, then record the replies as outbound messages.
 * A retryable Graph error before anything was sent releases the claim and
 * throws RetryLaterError; a permanent one is recorded and not retried.
 */
export async function answerConversation(job: AnswerJob, deps: AnswerDeps): Promise<AnswerOutcome> {
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
  const last = decision.messages.at(-1)!;
  await deps.graph
    .markReadWithTyping(job.phoneNumberId, last.wamid)
    .catch((error: unknown) =>
      deps.logger.warn({ err: error, attemptId: decision.attemptId }, 'mark read / typing failed'),
    );

  const { agent, reply } =
    decision.kind === 'notice'
      ? { agent: `guard:${decision.reason}`, reply: { messages: [decision.text] } as AgentReply }
      : await think(job, decision.messages, config, deps);

  const { sent, error } = await send(job, reply, decision.attemptId, last.wamid, deps.graph);
  const reason = error instanceof Error ? error.message : error ? String(error) : null;
  if (sent.length === 0 && error instanceof GraphApiError && error.kind.startsWith('retry')) {
    await releaseClaim(deps.db, decision.attemptId, reason!);
    throw new RetryLaterError(`Graph API asked to retry: ${reason}`, { cause: error });
  }
  await record(
    deps.db,
    job,
    decision.attemptId,
    agent,
    decision.messages,
    sent,
    reason,
    deps.clock(),
  );
  if (sent.length === 0) {
    deps.logger.warn(
      { attemptId: decision.attemptId, reason },
      'answer not sent (permanent error)',
    );
    return { kind: 'failed', reason: reason ?? 'unknown' };
  }
  deps.logger.info({ attemptId: decision.attemptId, agent, replies: sent.length }, 'answered');
  return { kind: 'answered', replyWamids: sent.map((s) => s.wamid), agent };
}
