import type { AgentReply } from './agent.schema';

export interface Turn {
  role: 'customer' | 'assistant';
  text: string;
}

/** An image the customer sent, as archived (media_objects), for a model that takes images. */
export interface AgentImage {
  mimeType: string;
  bytes: Uint8Array;
}

export interface AgentInput {
  instructions: string;
  /** Earlier turns of the conversation, oldest first. */
  history: Turn[];
  /**
   * The customer messages this answer is for, oldest first. `text` of a media
   * message is its caption; `image` is set only for an agent that accepts
   * images, when the organization turned image input on.
   */
  messages: Array<{ text: string; buttonId: string | null; image?: AgentImage }>;
  /** The organization's knowledge entries that match these messages, best first. */
  knowledge: Array<{ title: string; body: string }>;
  contactName: string | null;
}

export interface Agent {
  readonly name: string;
  /** Whether `answer` looks at `messages[].image` (its model takes image inputs). */
  readonly acceptsImages: boolean;
  answer(input: AgentInput, signal?: AbortSignal): Promise<AgentReply>;
}

export type { AgentReply } from './agent.schema';
