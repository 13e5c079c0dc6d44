import { z } from 'zod';
import { messageText, parseInboundMessage, type InboundMessage } from '@waba/whatsapp';
import type { MessageDirection, MessageSource, ReactionInput, RevisionInput } from '@waba/db';
import type { Pending } from './normalize-common';

export type PendingRevision = Pending<RevisionInput>;
export type PendingReaction = Pending<ReactionInput>;

const editSchema = z.looseObject({
  original_message_id: z.string().min(1),
  message: z.looseObject({ type: z.string().min(1) }),
});
const revokeSchema = z.looseObject({ original_message_id: z.string().min(1) });

/** Where a message item was found: who is the customer, which side wrote it, how it came. */
export interface ItemContext {
  phoneNumberId: string;
  wabaId: string;
  contactWaId: string;
  direction: MessageDirection;
  source: MessageSource;
  occurredAt: Date;
  /** The item as received. */
  payload: unknown;
}

/** What an edit, revoke or reaction becomes; `invalid` when it names no message. */
export type RevisionItem =
  | { kind: 'revision'; row: PendingRevision }
  | { kind: 'reaction'; row: PendingReaction }
  | { kind: 'invalid'; reason: string };

/** The edited content's text, read like a message of that type (caption for media). */
function editedText(m: InboundMessage, content: Record<string, unknown>): string | null {
  const parsed = parseInboundMessage({ ...m, ...content });
  return parsed.success ? messageText(parsed.data) : null;
}

/**
 * An edit, revoke or reaction is not a message of the thread but a change to
 * the message it names (by wamid): it never becomes a `messages` row and never
 * starts an answer. Null for every other type.
 */
export function revisionItemOf(m: InboundMessage, ctx: ItemContext): RevisionItem | null {
  const base = { phoneNumberId: ctx.phoneNumberId, wabaId: ctx.wabaId };
  switch (m.type) {
    case 'edit': {
      const edit = editSchema.safeParse(m.edit);
      if (!edit.success) return { kind: 'invalid', reason: 'edit without original_message_id' };
      return {
        kind: 'revision',
        row: {
          ...base,
          wamid: edit.data.original_message_id,
          revisionWamid: m.id,
          kind: 'edit',
          type: edit.data.message.type,
          body: editedText(m, edit.data.message),
          payload: ctx.payload,
          source: ctx.source,
          occurredAt: ctx.occurredAt,
        },
      };
    }
    case 'revoke': {
      const revoke = revokeSchema.safeParse(m.revoke);
      if (!revoke.success) return { kind: 'invalid', reason: 'revoke without original_message_id' };
      return {
        kind: 'revision',
        row: {
          ...base,
          wamid: revoke.data.original_message_id,
          revisionWamid: m.id,
          kind: 'revoke',
          type: null,
          body: null,
          payload: ctx.payload,
          source: ctx.source,
          occurredAt: ctx.occurredAt,
        },
      };
    }
    case 'reaction':
      if (!m.reaction) return { kind: 'invalid', reason: 'reaction without message_id' };
      return {
        kind: 'reaction',
        row: {
          ...base,
          wamid: m.reaction.message_id,
          reactionWamid: m.id,
          contactWaId: ctx.contactWaId,
          direction: ctx.direction,
          emoji: m.reaction.emoji ?? '',
          occurredAt: ctx.occurredAt,
        },
      };
    default:
      return null;
  }
}

/**
 * Files an edit, revoke or reaction found at `where` as a thread change (or
 * an invalid item). False when the message is none of them.
 */
export function takeRevisionItem(
  out: {
    thread: { revisions: PendingRevision[]; reactions: PendingReaction[] };
    invalid: string[];
  },
  m: InboundMessage,
  ctx: ItemContext,
  where: string,
): boolean {
  const item = revisionItemOf(m, ctx);
  if (item === null) return false;
  if (item.kind === 'revision') out.thread.revisions.push(item.row);
  else if (item.kind === 'reaction') out.thread.reactions.push(item.row);
  else out.invalid.push(`${where}: ${item.reason}`);
  return true;
}
