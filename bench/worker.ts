import { updateAgentConfig } from '@waba/db';
import { startFakeOpenAi } from '@waba/testing';
import { startBenchStack } from './lib/bench-stack';
import { measurePostToRow } from './post-to-row';
import { measureWebhookToReply, withoutDebounce } from './webhook-to-reply';
import { summarize, type Summary } from './lib/stats';

export interface WorkerResult {
  conversations: number;
  modelDelayMs: number;
  /** Customer webhook → reply at the Meta sandbox, with the fake model. */
  totalMs: Summary & { p99: number };
  /** totalMs minus the model's fixed delay. */
  overheadMs: Summary;
  /** The same with the built-in rules agent (no model call at all). */
  rulesTotalMs: Summary;
  /** POST → row visible in messages, one at a time, nothing else running. */
  postToRowMs: Summary & { p99: number };
  ingestWindowMs: number;
}

const withP99 = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { ...summarize(samples), p99: sorted[Math.floor(0.99 * (sorted.length - 1))]! };
};

/**
 * The answer worker's own latency. A fake OpenAI-compatible model answers
 * after a fixed delay, through the worker's real OpenAI client; the debounce
 * window is 0 and so is the processor's batching window, so what remains is
 * the pipeline's work: receiver, both queues, processor, worker (lock,
 * history, knowledge, typing and read marks, the agent call, the send).
 */
export async function runWorker(options: { quick: boolean }): Promise<WorkerResult> {
  const conversations = options.quick ? 20 : 100;
  const modelDelayMs = 250;
  const model = await startFakeOpenAi();
  model.behave({ reply: { messages: ['Your order ships tomorrow.'] }, delayMs: modelDelayMs });
  const { stack, config } = await startBenchStack({
    INGEST_BATCHING_WINDOW_SECONDS: '0',
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_MODEL: 'fake',
    LOG_LEVEL: 'warn',
  });
  try {
    const orgId = await withoutDebounce(stack);
    // The first conversations warm every path up.
    await measureWebhookToReply(stack, config, 3, 90_000_000);
    const total = await measureWebhookToReply(stack, config, conversations);
    await updateAgentConfig(stack.db, orgId, { kind: 'rules' });
    const rules = await measureWebhookToReply(stack, config, conversations, 50_000_000);
    const postToRow = await measurePostToRow(stack, config.appSecret, conversations);
    return {
      conversations,
      modelDelayMs,
      totalMs: withP99(total),
      overheadMs: summarize(total.map((t) => t - modelDelayMs)),
      rulesTotalMs: summarize(rules),
      postToRowMs: withP99(postToRow),
      ingestWindowMs: config.ingest.windowSeconds * 1000,
    };
  } finally {
    await stack.stop();
    await model.close();
  }
}
