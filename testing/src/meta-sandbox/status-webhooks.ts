import type { Logger } from '@waba/whatsapp';
import {
  createStatusPayloads,
  statusSteps,
  type SentMessage,
  type StatusStep,
} from './status-payload';
import type { StatusDelays } from './types';
import type { WebhookPoster } from './webhook-poster';

export interface StatusWebhooks {
  /** Starts posting sent → delivered → read (or the recipient's test fate) for a message just accepted. */
  schedule(message: SentMessage): void;
}

/**
 * Steps run one after another per message, each at its offset from the send
 * (or right after the previous step when a retry made it late). Real Meta
 * does not guarantee this order; the sandbox keeps it so tests are stable.
 * Closing the poster cancels all of it.
 */
export function createStatusWebhooks(options: {
  poster: WebhookPoster;
  wabaId: string;
  displayPhoneNumber?: string;
  delays: StatusDelays;
  logger: Logger;
  onStatus: (wamid: string, step: StatusStep) => void;
}): StatusWebhooks {
  const statusPayload = createStatusPayloads(options);
  const { poster } = options;

  async function run(message: SentMessage): Promise<void> {
    const startedAt = Date.now();
    for (const step of statusSteps(message.waId)) {
      // A failure is reported when delivery would have been.
      const offset = options.delays[step === 'failed' ? 'delivered' : step];
      const wait = Math.max(0, offset - (Date.now() - startedAt));
      if (!(await poster.sleep(wait))) return;
      options.onStatus(message.wamid, step);
      await poster.post(statusPayload(message, step), { wamid: message.wamid, status: step });
    }
  }

  return {
    schedule(message) {
      run(message).catch((error: unknown) =>
        options.logger.error({ err: error, wamid: message.wamid }, 'status webhooks failed'),
      );
    },
  };
}
