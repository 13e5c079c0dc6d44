import type { AgentRule } from '@waba/db';
import type { Agent, AgentInput } from './agent';
import type { AgentReply } from './agent.schema';

/** Lower case without accents, so "AtendÊNCIA" matches "atendencia". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function matches(rule: AgentRule, input: AgentInput): boolean {
  return input.messages.some(
    (m) =>
      (m.buttonId !== null && (rule.buttonIds ?? []).includes(m.buttonId)) ||
      (rule.keywords ?? []).some((k) =>
        new RegExp(`(^|\\W)${escape(fold(k))}($|\\W)`, 'u').test(fold(m.text)),
      ),
  );
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The built-in agent when no model is configured: the first rule whose
 * keyword or button id matches answers; else the best knowledge entry; else
 * the default reply.
 */
export function rulesAgent(rules: AgentRule[], defaultReply: string): Agent {
  return {
    name: 'rules',
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
