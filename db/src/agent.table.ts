import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A keyword / button-id routing rule of the built-in rules agent. */
export interface AgentRule {
  /** Matches when the customer's text contains any of these words (case- and accent-insensitive). */
  keywords?: string[];
  /** Matches when the customer pressed a reply button with one of these ids. */
  buttonIds?: string[];
  reply: string;
  buttons?: Array<{ id: string; title: string }>;
}

export type AgentKind = 'auto' | 'rules' | 'openai';

export interface AgentConfigsTable {
  organization_id: string;
  kind: ColumnType<AgentKind, AgentKind | undefined, AgentKind>;
  instructions: Generated<string>;
  model: Generated<string>;
  temperature: Generated<number>;
  fallback_text: Generated<string>;
  debounce_seconds: Generated<number>;
  history_turns: Generated<number>;
  allowed_numbers: string[] | null;
  rate_limit_count: Generated<number>;
  rate_limit_window_seconds: Generated<number>;
  rate_limit_notice: Generated<string>;
  pii_redaction: Generated<boolean>;
  handoff_keywords: Generated<string[]>;
  handoff_notice: Generated<string>;
  /** Sent once per contact and window for messages WhatsApp cannot show (type unsupported). */
  unsupported_notice: Generated<string>;
  /** Send the archived image of an image message to the model (when it accepts images). */
  image_input: Generated<boolean>;
  rules: ColumnType<AgentRule[], AgentRule[] | string | undefined, AgentRule[] | string>;
  default_reply: Generated<string>;
  vector_store_id: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type AgentConfigRow = Selectable<AgentConfigsTable>;
export type NewAgentConfig = Insertable<AgentConfigsTable>;
export type AgentConfigUpdate = Updateable<AgentConfigsTable>;

export interface KnowledgeEntriesTable {
  id: Generated<number>;
  organization_id: string;
  source: Generated<string>;
  title: string;
  body: string;
  search: ColumnType<string, never, never>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}
export type KnowledgeEntryRow = Selectable<KnowledgeEntriesTable>;

export interface ConversationsTable {
  organization_id: string;
  phone_number_id: string;
  /** The customer (contacts.id). */
  contact_id: number;
  bot_paused: Generated<boolean>;
  paused_reason: string | null;
  rate_window_started_at: Date | null;
  rate_window_count: Generated<number>;
  rate_notice_sent: Generated<boolean>;
  last_answered_at: Date | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type ConversationRow = Selectable<ConversationsTable>;
export type ConversationUpdate = Updateable<ConversationsTable>;

export type AnswerAttemptState =
  'sending' | 'sent' | 'failed' | 'skipped' | 'unknown' | 'resending';

/** One Graph send of a planned reply. */
export interface ReplyPart {
  type: 'text' | 'interactive';
  body: string;
  buttons?: Array<{ id: string; title: string }>;
}

/** What an attempt is: an answer of the agent, or the guardrail that skipped the messages or sent its notice. */
export type AnswerAttemptKind =
  'answer' | 'handoff' | 'rate-limit' | 'unsupported' | 'allowed-numbers' | 'opt-out' | 'opt-in';

export interface AnswerAttemptsTable {
  id: Generated<string>;
  organization_id: string;
  phone_number_id: string;
  /** The customer answered (contacts.id). */
  contact_id: number;
  state: AnswerAttemptState;
  answers_wamids: string[];
  reply_wamids: ColumnType<string[], string[] | undefined, string[]>;
  kind: ColumnType<AnswerAttemptKind, AnswerAttemptKind | undefined, AnswerAttemptKind>;
  /** The agent that answered (rules, openai); null until it answers, and for guardrail attempts. */
  agent: string | null;
  error: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  finished_at: Date | null;
  reply_parts: ColumnType<ReplyPart[] | null, string | null | undefined, string | null>;
  unknown_part: number | null;
  unknown_since: Date | null;
  status_part: number | null;
  status_wamid: string | null;
  resend_claimed_at: Date | null;
}
export type AnswerAttemptRow = Selectable<AnswerAttemptsTable>;
