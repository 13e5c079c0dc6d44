import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@waba/whatsapp';

/** SQS hands out at most this many messages per receive (and deletes as many per batch call). */
export const MAX_PER_RECEIVE = 10;

/** One ReceiveMessage call: up to `max` messages, long-polling up to `waitSeconds`. */
export type Receive = (max: number, waitSeconds: number) => Promise<Message[]>;

/** Receives from one queue with every system and message attribute, as Lambda does. */
export function sqsReceive(sqs: SQSClient, queueUrl: string): Receive {
  return async (max, waitSeconds) => {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(MAX_PER_RECEIVE, max),
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  };
}

export interface GatherOptions {
  receive: Receive;
  /** Records per batch; above 10, several receives are gathered. */
  batchSize: number;
  /** 0: hand over what the receives return while the queue gives full pages. */
  windowMs: number;
  /** Long-poll wait of the first receive, and the most any later one waits. */
  waitTimeSeconds: number;
  /** Stops gathering more (what is held is still returned). */
  signal: AbortSignal;
  logger: Logger;
  /** A message came back while its batch was being gathered (the window outlived its visibility). */
  onDuplicate?: () => void;
}

/**
 * One batch: up to `batchSize` messages, or what arrived within the window.
 * The first receive's errors propagate (nothing is held yet); a later one's
 * end the gathering with what is held, since dropping it would hide it for a
 * visibility timeout.
 */
export async function gatherBatch(options: GatherOptions): Promise<Message[]> {
  const { receive, batchSize, windowMs, waitTimeSeconds, signal } = options;
  const first = await receive(batchSize, waitTimeSeconds);
  if (first.length === 0) return first;
  // By id: a window longer than the visibility timeout receives the same message twice,
  // and only the newest receipt handle can delete it.
  const byId = new Map(first.map((m) => [m.MessageId, m]));
  const deadline = Date.now() + windowMs;
  let lastPageFull = first.length === MAX_PER_RECEIVE;
  while (byId.size < batchSize && !signal.aborted) {
    const remainingMs = deadline - Date.now();
    // Without a window, keep reading only while the queue hands out full pages.
    if (windowMs === 0 ? !lastPageFull : remainingMs <= 0) break;
    const wait = windowMs === 0 ? 0 : Math.min(waitTimeSeconds, Math.floor(remainingMs / 1000));
    let more: Message[];
    try {
      more = await receive(batchSize - byId.size, wait);
    } catch (error) {
      options.logger.warn({ err: error }, 'receive failed while gathering a batch');
      break;
    }
    for (const m of more) {
      if (byId.has(m.MessageId)) options.onDuplicate?.();
      byId.set(m.MessageId, m);
    }
    lastPageFull = more.length === MAX_PER_RECEIVE;
    // A short poll under a second of window left: do not spin on an empty queue.
    if (more.length === 0 && wait === 0 && windowMs > 0) {
      await sleep(Math.min(100, Math.max(0, deadline - Date.now())), signal);
    }
  }
  return [...byId.values()];
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
