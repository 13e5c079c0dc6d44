import {
  answerTag,
  type AnswerAttemptKind,
  type Db,
  type MessageRow,
  type ReplyPart,
} from '@waba/db';
import type { AddressedJob } from './recipient';
import { INTERACTIVE_BODY_LIMIT, splitText, type GraphClient } from '@waba/whatsapp';
import type { AgentReply } from './agent/agent.schema';

/** A reply part Meta accepted. */
export interface SentPart {
  index: number;
  wamid: string;
  type: string;
  body: string;
}

/**
 * The Graph sends of a reply, in order: texts split at 4,096 characters; the
 * buttons ride on the last text when it fits an interactive body, else alone.
 */
export function planReplyParts(reply: AgentReply): ReplyPart[] {
  const texts = reply.messages.flatMap((m) => splitText(m));
  const buttons = reply.buttons?.length ? reply.buttons : null;
  if (!buttons) return texts.map((body) => ({ type: 'text', body }));
  const last = texts.at(-1);
  const carried = last !== undefined && last.length <= INTERACTIVE_BODY_LIMIT;
  const body = carried ? texts.pop()! : '👇';
  return [
    ...texts.map((body): ReplyPart => ({ type: 'text', body })),
    { type: 'interactive', body, buttons },
  ];
}

/**
 * Sends `parts[from..]`, each tagged `answer:<attempt>:<index>`, and stops at
 * the first error. Returns what Meta accepted and the error, if any.
 */
export async function sendReplyParts(
  graph: GraphClient,
  job: AddressedJob,
  attemptId: string,
  parts: readonly ReplyPart[],
  from: number,
  replyTo: string,
): Promise<{ sent: SentPart[]; error: unknown }> {
  const sent: SentPart[] = [];
  try {
    for (let index = from; index < parts.length; index++) {
      const part = parts[index]!;
      const bizOpaque = answerTag(attemptId, index);
      if (part.type === 'interactive') {
        const result = await graph.sendButtons(
          job.phoneNumberId,
          job.to,
          part.body,
          part.buttons ?? [],
          { bizOpaque },
        );
        sent.push({ index, wamid: result.wamid, type: 'interactive', body: part.body });
      } else {
        const [result] = await graph.sendText(job.phoneNumberId, job.to, part.body, {
          bizOpaque,
          // Only the first part quotes what it answers.
          ...(index === 0 ? { replyTo } : {}),
        });
        sent.push({ index, wamid: result!.wamid, type: 'text', body: part.body });
      }
    }
    return { sent, error: null };
  } catch (error) {
    return { sent, error };
  }
}

/** The attempt a reply belongs to: its id, its kind and the agent that wrote it (null for a guardrail's notice). */
export interface ReplyAuthor {
  attemptId: string;
  kind: AnswerAttemptKind;
  agent: string | null;
}

/**
 * Records accepted reply parts as outbound messages linked to what they
 * answer. Its status webhook may have been stored first (a row without a
 * body): the upsert completes it.
 */
export async function insertReplyMessages(
  db: Db,
  job: AddressedJob,
  author: ReplyAuthor,
  answers: readonly Pick<MessageRow, 'wamid' | 'occurred_at'>[],
  sent: readonly SentPart[],
  now: Date,
): Promise<void> {
  if (sent.length === 0) return;
  const { attemptId } = author;
  // A reply sorts after what it answers in the thread, whatever the clocks of Meta and of this worker say.
  const latest = Math.max(...answers.map((m) => m.occurred_at.getTime()));
  const replyAt = new Date(Math.max(now.getTime(), latest + 1));
  await db
    .insertInto('messages')
    .values(
      sent.map((s) => ({
        organization_id: job.organizationId,
        wamid: s.wamid,
        direction: 'outbound' as const,
        phone_number_id: job.phoneNumberId,
        contact_id: job.contactId,
        contact_wa_id: job.to.waId,
        contact_user_id: job.to.userId,
        type: s.type,
        body: s.body,
        payload: JSON.stringify({ kind: author.kind, agent: author.agent, attemptId }),
        context_wamid: null,
        status: 'accepted',
        occurred_at: replyAt,
        error_code: null,
        error_title: null,
        biz_opaque_callback_data: answerTag(attemptId, s.index),
        campaign_id: null,
        in_reply_to: answers.map((m) => m.wamid),
      })),
    )
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
