import type {
  AgentConfigRow,
  AnswerAttemptKind,
  AnswerAttemptRow,
  ConversationRow,
  ConversationUpdate,
  MessageRow,
  ReplyPart,
} from '@waba/db';
import { UNSUPPORTED_MESSAGE_TYPE } from '@waba/whatsapp';
import { keywordMatcher } from './keywords';
import { matchOptOut, type OptOutKeywordSet } from './opt-out';

/**
 * The default answer to a message WhatsApp could not show us (Meta's
 * `unsupported` type); each organization sets its own (agent_configs.unsupported_notice).
 */
export const UNSUPPORTED_NOTICE =
  "Sorry, I can't read this kind of message. Could you send it as text, a photo or a voice note?";
/** The unsupported notice is sent at most once per contact in this window (WhatsApp's 24 h conversation window). */
export const UNSUPPORTED_NOTICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What the claim of one conversation sees, read under its row lock. */
export interface ClaimState {
  /** The customer's addresses, for the allowed-numbers list. */
  to: { waId: string | null; userId: string | null };
  config: Pick<
    AgentConfigRow,
    | 'debounce_seconds'
    | 'allowed_numbers'
    | 'handoff_keywords'
    | 'handoff_notice'
    | 'rate_limit_count'
    | 'rate_limit_window_seconds'
    | 'rate_limit_notice'
    | 'unsupported_notice'
  >;
  conversation: Pick<
    ConversationRow,
    'bot_paused' | 'rate_window_started_at' | 'rate_window_count' | 'rate_notice_sent'
  >;
  /** The unanswered customer messages, oldest first. */
  messages: readonly Pick<MessageRow, 'type' | 'body' | 'created_at'>[];
  /** The organization's STOP / START keywords (optOutKeywordSets: its own and the defaults). */
  optOut?: readonly OptOutKeywordSet[];
  /** When the contact last got the unsupported notice (an attempt neither failed nor skipped); null: never. */
  lastUnsupportedNoticeAt: Date | null;
  now: Date;
}

type ConversationPatch = Omit<
  ConversationUpdate,
  'organization_id' | 'phone_number_id' | 'contact_id' | 'updated_at'
>;

/** What a claim does: nothing, or claim the messages for an attempt that skips, sends a notice or answers. */
export type ClaimPlan =
  | { kind: 'nothing' }
  | { kind: 'skip'; reason: string; attempt: AnswerAttemptKind }
  | {
      kind: 'notice';
      reason: string;
      text: string;
      attempt: AnswerAttemptKind;
      conversation?: ConversationPatch;
      /** A STOP / START keyword: the contact leaves or rejoins the suppression list. */
      optOut?: { action: 'stop' | 'start'; keyword: string; at: Date };
    }
  | { kind: 'answer'; attempt: 'answer'; conversation: ConversationPatch };

/**
 * The guardrails, in order: debounce, allowed numbers, a STOP / START keyword
 * (recorded and confirmed even while handed off), a paused bot, a handoff
 * keyword, messages WhatsApp could not show us, the per-contact rate limit.
 * Pure: the caller reads the state under the conversation lock and applies the plan.
 */
export function decideClaim(state: ClaimState): ClaimPlan {
  const { config, conversation, messages, now } = state;
  if (messages.length === 0) return { kind: 'nothing' };

  // Debounce: a message younger than the window has a job of its own still to come.
  const newest = Math.max(...messages.map((m) => m.created_at.getTime()));
  if (now.getTime() - newest < config.debounce_seconds * 1000 - 250) return { kind: 'nothing' };

  const allowed = config.allowed_numbers;
  if (
    allowed &&
    ![state.to.waId, state.to.userId].some((id) => id !== null && allowed.includes(id))
  )
    return { kind: 'skip', reason: 'not an allowed number', attempt: 'allowed-numbers' };

  // The latest message that is only a STOP / START keyword decides.
  for (const m of [...messages].reverse()) {
    const match = matchOptOut(state.optOut ?? [], m.body ?? '');
    if (!match) continue;
    const { action } = match.set;
    return {
      kind: 'notice',
      reason: action === 'stop' ? 'opt-out keyword' : 'opt-in keyword',
      text: match.set.reply,
      attempt: action === 'stop' ? 'opt-out' : 'opt-in',
      optOut: { action, keyword: match.keyword, at: m.created_at },
    };
  }

  if (conversation.bot_paused)
    return { kind: 'skip', reason: 'handed off to a person', attempt: 'handoff' };

  const asksForHuman = keywordMatcher(config.handoff_keywords);
  if (messages.some((m) => asksForHuman(m.body ?? ''))) {
    return {
      kind: 'notice',
      reason: 'handoff',
      text: config.handoff_notice,
      attempt: 'handoff',
      conversation: { bot_paused: true, paused_reason: 'customer asked for a person' },
    };
  }

  // Nothing but messages WhatsApp could not show us: one polite notice per window, then silence.
  if (messages.every((m) => m.type === UNSUPPORTED_MESSAGE_TYPE)) {
    const last = state.lastUnsupportedNoticeAt;
    if (last !== null && now.getTime() - last.getTime() < UNSUPPORTED_NOTICE_WINDOW_MS) {
      return {
        kind: 'skip',
        reason: 'unsupported message, already noticed',
        attempt: 'unsupported',
      };
    }
    return {
      kind: 'notice',
      reason: 'unsupported',
      text: config.unsupported_notice,
      attempt: 'unsupported',
    };
  }

  // Per-contact rate limit: answers per window; one polite notice, then silence.
  const windowMs = config.rate_limit_window_seconds * 1000;
  const started = conversation.rate_window_started_at;
  const fresh = !started || now.getTime() - started.getTime() >= windowMs;
  const count = fresh ? 0 : conversation.rate_window_count;
  if (count >= config.rate_limit_count) {
    if (conversation.rate_notice_sent)
      return { kind: 'skip', reason: 'rate limited', attempt: 'rate-limit' };
    return {
      kind: 'notice',
      reason: 'rate limited',
      text: config.rate_limit_notice,
      attempt: 'rate-limit',
      conversation: { rate_notice_sent: true },
    };
  }
  return {
    kind: 'answer',
    attempt: 'answer',
    conversation: {
      rate_window_started_at: fresh ? now : started,
      rate_window_count: count + 1,
      rate_notice_sent: fresh ? false : conversation.rate_notice_sent,
    },
  };
}

/** What the one re-send of a claimed unknown attempt sends. */
export interface ResendPlan {
  parts: readonly ReplyPart[];
  /** Index of the first part to send. */
  from: number;
  /** A status proved the unknown part sent: only the parts after it go. */
  proven: boolean;
  /** Wamids of the parts known sent before the re-send. */
  known: readonly string[];
}

/**
 * The re-send of an unknown attempt: no status came for the unknown part, so
 * it goes again with the rest; or a status proved it sent, so only the parts
 * after it go, and the status's wamid counts as sent.
 */
export function resendPlan(
  attempt: Pick<
    AnswerAttemptRow,
    'reply_parts' | 'unknown_part' | 'status_part' | 'status_wamid' | 'reply_wamids'
  >,
): ResendPlan {
  const parts = attempt.reply_parts ?? [];
  const unknownPart = attempt.unknown_part ?? 0;
  const proven = attempt.status_part !== null && attempt.status_part >= unknownPart;
  return {
    parts,
    from: proven ? unknownPart + 1 : unknownPart,
    proven,
    known:
      proven && attempt.status_wamid !== null
        ? [...attempt.reply_wamids, attempt.status_wamid]
        : attempt.reply_wamids,
  };
}
