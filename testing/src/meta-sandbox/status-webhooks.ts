import { metaEscape, signPayload, type Logger } from '@waba/whatsapp';
import {
  createStatusPayloads,
  statusSteps,
  type SentMessage,
  type StatusStep,
} from './status-payload';
import type { StatusDelays } from './types';

export interface StatusWebhooks {
  /** Starts posting sent → delivered → read (or the recipient's test fate) for a message just accepted. */
  schedule(message: SentMessage): void;
  /** Cancels every pending timer, retry and in-flight POST. */
  close(): void;
}

// Meta retries for hours; a few quick attempts keep local runs short.
const RETRY_DELAYS_MS = [250, 1000, 4000];
const POST_TIMEOUT_MS = 5000;

/**
 * Steps run one after another per message, each at its offset from the send
 * (or right after the previous step when a retry made it late). Real Meta
 * does not guarantee this order; the sandbox keeps it so tests are stable.
 */
export function createStatusWebhooks(options: {
  webhookUrl: () => string | undefined;
  appSecret: string;
  wabaId: string;
  displayPhoneNumber?: string;
  delays: StatusDelays;
  logger: Logger;
  onStatus: (wamid: string, step: StatusStep) => void;
}): StatusWebhooks {
  const statusPayload = createStatusPayloads(options);
  const shutdown = new AbortController();
  const sleepers = new Map<NodeJS.Timeout, () => void>();

  /** Resolves true after `ms`, or false as soon as the sandbox closes. */
  function sleep(ms: number): Promise<boolean> {
    if (shutdown.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sleepers.delete(timer);
        resolve(true);
      }, ms);
      sleepers.set(timer, () => resolve(false));
    });
  }

  async function postOnce(url: string, raw: string): Promise<string | undefined> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'facebookexternalua',
          'x-hub-signature-256': signPayload(raw, options.appSecret),
        },
        body: raw,
        signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(POST_TIMEOUT_MS)]),
      });
      await response.arrayBuffer();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async function deliver(message: SentMessage, step: StatusStep): Promise<void> {
    const url = options.webhookUrl();
    if (url === undefined) return;
    const raw = metaEscape(JSON.stringify(statusPayload(message, step)));
    for (let attempt = 0; ; attempt++) {
      const failure = await postOnce(url, raw);
      if (failure === undefined || shutdown.signal.aborted) return;
      const backoff = RETRY_DELAYS_MS[attempt];
      if (backoff === undefined) {
        options.logger.warn(
          { wamid: message.wamid, status: step, attempts: attempt + 1, failure },
          'status webhook not delivered; giving up',
        );
        return;
      }
      options.logger.debug({ wamid: message.wamid, status: step, failure }, 'status webhook retry');
      if (!(await sleep(backoff))) return;
    }
  }

  async function run(message: SentMessage): Promise<void> {
    const startedAt = Date.now();
    for (const step of statusSteps(message.waId)) {
      // A failure is reported when delivery would have been.
      const offset = options.delays[step === 'failed' ? 'delivered' : step];
      const wait = Math.max(0, offset - (Date.now() - startedAt));
      if (!(await sleep(wait))) return;
      options.onStatus(message.wamid, step);
      await deliver(message, step);
    }
  }

  return {
    schedule(message) {
      run(message).catch((error: unknown) =>
        options.logger.error({ err: error, wamid: message.wamid }, 'status webhooks failed'),
      );
    },
    close() {
      shutdown.abort();
      for (const [timer, cancel] of sleepers) {
        clearTimeout(timer);
        cancel();
      }
      sleepers.clear();
    },
  };
}
