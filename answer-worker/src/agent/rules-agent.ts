import type { AgentRule } from '@waba/db';
import { keywordMatcher } from '../keywords';
import type { Agent, AgentInput } from './agent';
import type { AgentReply } from './agent.schema';

function matches(rule: AgentRule, input: AgentInput): boolean {
  const keyword = keywordMatcher(rule.keywords ?? []);
  return input.messages.some(
    (m) => (m.buttonId !== null && (rule.buttonIds ?? []).includes(m.buttonId)) || keyword(m.text),
  );
}

/**
 * The built-in agent when no model is configured: the first rule whose
 * keyword or button id matches answers; else the best knowledge entry; else
 * the default reply.
 */
export function rulesAgent(rules: AgentRule[], defaultReply: string): Agent {
  return {
    name: 'rules',
    acceptsImages: false,
    async answer(input): Promise<AgentReply> {
      const rule = rules.find((r) => matches(r, input));
      if (rule)
        return {
          messages: [rule.reply],
          ...(rule.buttons?.length ? { buttons: rule.buttons } : {}),
        };
      const best = input.knowledge[0];
      if (best) return { messages: [`${best.title}\n\n${best.body}`] };
      return { messages: [defaultReply] };
    },
  };
}
