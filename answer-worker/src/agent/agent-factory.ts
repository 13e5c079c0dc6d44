import type { AgentConfigRow } from '@waba/db';
import type { Agent } from './agent';
import { openAiAgent } from './openai-agent';
import { rulesAgent } from './rules-agent';
import { acceptsImages } from './vision-models';

export interface OpenAiSettings {
  apiKey?: string;
  baseURL?: string;
  /** Overrides every organization's model (e.g. the one model a local server serves). */
  model?: string;
  timeoutMs?: number;
  /** Models that take image inputs (OPENAI_VISION_MODELS); unset: VISION_MODELS. */
  visionModels?: readonly string[];
}

/**
 * The agent an organization gets: OpenAI (or a compatible server) when the
 * deployment has a key and the organization did not choose rules; the
 * built-in rules agent otherwise.
 */
export function agentFactory(openai: OpenAiSettings): (config: AgentConfigRow) => Agent {
  return (config) => {
    if (openai.apiKey && config.kind !== 'rules') {
      const model = openai.model ?? config.model;
      return openAiAgent({
        apiKey: openai.apiKey,
        baseURL: openai.baseURL,
        model,
        acceptsImages: acceptsImages(model, openai.visionModels),
        temperature: config.temperature,
        timeoutMs: openai.timeoutMs,
      });
    }
    return rulesAgent(config.rules, config.default_reply);
  };
}
