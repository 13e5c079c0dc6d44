import type { AgentReply } from './agent.schema';

export interface Turn {
  role: 'customer' | 'assistant';
  text: string;
}

export interface AgentInput {
  instructions: string;
  /** Earlier turns of the conversation, oldest first. */
  history: Turn[];
  /** The customer messages this answer is for, oldest first. */
  messages: Array<{ text: string; buttonId: string | null }>;
  /** The organization's knowledge entries that match these messages, best first. */
  knowledge: Array<{ title: string; body: string }>;
  contactName: string | null;
}

export interface Agent {
  readonly name: string;
  answer(input: AgentInput, signal?: AbortSignal): Promise<AgentReply>;
}

export type { AgentReply } from './agent.schema';
