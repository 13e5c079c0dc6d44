import OpenAI from 'openai';
import { z } from 'zod';
import type { Agent, AgentInput } from './agent';
import { AgentReplyError } from '../errors';
import { agentReplySchema, type AgentReply } from './agent.schema';

export interface OpenAiAgentOptions {
  apiKey: string;
  /** Any OpenAI-compatible server (e.g. a local one); unset: OpenAI. */
  baseURL?: string;
  model: string;
  temperature: number;
  /** The model takes image inputs: images of the messages go with their captions. */
  acceptsImages?: boolean;
  /** Below Meta's patience and the worker's own timeout. */
  timeoutMs?: number;
  maxRetries?: number;
}

const OUTPUT_RULES = `Answer in the customer's language. Reply with JSON only: {"messages": ["..."], "buttons": [{"id": "...", "title": "..."}]}.
"messages" holds one to three short WhatsApp messages. "buttons" is optional: at most 3 quick replies, titles of at most 20 characters.
Use the business facts below when they answer the question; never invent prices, policies or personal data.`;

export function buildMessages(input: AgentInput): OpenAI.Chat.ChatCompletionMessageParam[] {
  const facts = input.knowledge.length
    ? `Business facts:\n${input.knowledge.map((k) => `- ${k.title}: ${k.body}`).join('\n')}`
    : 'Business facts: none found for this question.';
  return [
    { role: 'system', content: `${input.instructions}\n\n${OUTPUT_RULES}\n\n${facts}` },
    ...input.history.map((t): OpenAI.Chat.ChatCompletionMessageParam =>
      t.role === 'customer'
        ? { role: 'user', content: t.text }
        : { role: 'assistant', content: t.text },
    ),
    { role: 'user', content: customerContent(input.messages) },
  ];
}

/**
 * The customer's messages as one user turn: plain text, or, when one carries
 * an image, text and image parts in their order (the image as a data URL, so
 * the provider needs no access to the bucket).
 */
function customerContent(
  messages: AgentInput['messages'],
): string | OpenAI.Chat.ChatCompletionContentPart[] {
  if (!messages.some((m) => m.image)) return messages.map((m) => m.text).join('\n');
  return messages.flatMap((m): OpenAI.Chat.ChatCompletionContentPart[] => [
    { type: 'text', text: m.text },
    ...(m.image
      ? [
          {
            type: 'image_url' as const,
            image_url: {
              url: `data:${m.image.mimeType};base64,${Buffer.from(m.image.bytes).toString('base64')}`,
            },
          },
        ]
      : []),
  ]);
}

/**
 * An agent on OpenAI's chat completions API, or any server that speaks it.
 * Structured output is requested as a JSON schema and validated with zod;
 * the SDK retries transient errors (429, 5xx, timeouts) itself.
 */
export function openAiAgent(options: OpenAiAgentOptions): Agent {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 15_000,
    maxRetries: options.maxRetries ?? 2,
  });
  const schema = z.toJSONSchema(agentReplySchema, { target: 'draft-7' });
  return {
    name: `openai:${options.model}`,
    acceptsImages: options.acceptsImages ?? false,
    async answer(input, signal): Promise<AgentReply> {
      const completion = await client.chat.completions.create(
        {
          model: options.model,
          temperature: options.temperature,
          messages: buildMessages(input),
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'reply', schema, strict: false },
          },
        },
        { signal },
      );
      const content = completion.choices[0]?.message?.content ?? '';
      let json: unknown;
      try {
        json = JSON.parse(content);
      } catch {
        // Not the parser's message: it quotes the start of the reply, which would reach the logs.
        throw new AgentReplyError(`the model answered ${content.length} characters of non-JSON`);
      }
      return agentReplySchema.parse(json);
    },
  };
}
