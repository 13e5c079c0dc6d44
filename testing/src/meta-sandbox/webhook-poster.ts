import { metaEscape, signPayload, type Logger } from '@waba/whatsapp';

export interface WebhookPoster {
  /**
   * Posts a payload as Meta does (its escaped JSON, signed with the app
   * secret), retrying a failed POST a few times. Resolves true once the
   * receiver answered 2xx, false when it gave up, nothing listens, or the
   * sandbox closed.
   */
  post(payload: unknown, context: Record<string, unknown>): Promise<boolean>;
  /** Resolves true after `ms`, or false as soon as the poster closes. */
  sleep(ms: number): Promise<boolean>;
  /** Cancels every pending timer, retry and in-flight POST. */
  close(): void;
}

// Meta retries for hours; a few quick attempts keep local runs short.
const RETRY_DELAYS_MS = [250, 1000, 4000];
const POST_TIMEOUT_MS = 5000;

export function createWebhookPoster(options: {
  webhookUrl: () => string | undefined;
  appSecret: string;
  logger: Logger;
}): WebhookPoster {
  const shutdown = new AbortController();
  const sleepers = new Map<NodeJS.Timeout, () => void>();

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

  async function post(payload: unknown, context: Record<string, unknown>): Promise<boolean> {
    const url = options.webhookUrl();
    if (url === undefined) return false;
    const raw = metaEscape(JSON.stringify(payload));
    for (let attempt = 0; ; attempt++) {
      const failure = await postOnce(url, raw);
      if (failure === undefined) return true;
      if (shutdown.signal.aborted) return false;
      const backoff = RETRY_DELAYS_MS[attempt];
      if (backoff === undefined) {
        options.logger.warn(
          { ...context, attempts: attempt + 1, failure },
          'webhook not delivered; giving up',
        );
        return false;
      }
      options.logger.debug({ ...context, failure }, 'webhook retry');
      if (!(await sleep(backoff))) return false;
    }
  }

  return {
    post,
    sleep,
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
