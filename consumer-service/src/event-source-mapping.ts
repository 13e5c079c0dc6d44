/**
 * A stand-in for AWS Lambda's SQS event source mapping: it long-polls a
 * queue, hands `SQSEvent` batches to a handler and deletes what succeeded.
 * Pointed at real SQS it is also the long-running mode (a container instead
 * of Lambda), so it keeps AWS's contract:
 * - records listed in `batchItemFailures` are left alone: they reappear after
 *   the visibility timeout and the queue's redrive policy moves them to the
 *   DLQ after `maxReceiveCount` receives;
 * - an empty, null or unknown `itemIdentifier`, or a malformed response, fails
 *   the whole batch; a thrown/rejected handler fails the whole batch;
 * - `undefined`, `null`, `{}` or an empty/null `batchItemFailures` is success;
 * - a visibility the handler changed itself (ChangeMessageVisibility with the
 *   record's receipt handle, as the processor's back-off does) is left as it
 *   is: a failed record comes back after that delay, not the queue's timeout
 *   (consumer-service/tests/outage-backoff.test.ts).
 *
 * Differences from AWS, on purpose or by necessity:
 * - ReportBatchItemFailures is always on (AWS ignores `batchItemFailures`
 *   unless the mapping enables it).
 * - A fixed number of pollers (`concurrency`): no scaling up with queue depth
 *   and no scaling down on errors.
 * - The batching window starts when the first message of a batch arrives, and
 *   the 6 MB invocation payload limit is not enforced.
 * - No Lambda timeout unless `handlerTimeoutMs` is set; even then the handler
 *   keeps running in the background (a process cannot be frozen like a Lambda
 *   sandbox), only its batch counts as failed.
 * - FIFO queues: no per-message-group ordering across pollers; use
 *   `concurrency: 1` for FIFO.
 * - stop() lets a running long poll finish rather than aborting it: an aborted
 *   ReceiveMessage may already have taken messages, which would then be
 *   hidden for a whole visibility timeout. Messages received during stop are
 *   still handed to the handler.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { createLogger, lazy, type Logger } from '@waba/whatsapp';
import { acknowledge } from './acknowledge';
import { gatherBatch, MAX_PER_RECEIVE, sleep, sqsReceive } from './gather';
import { invokeHandler, toSqsEvent, type SqsHandler } from './invoke';
import { resolveEventSource } from './sqs-record';

export interface BatchInfo {
  size: number;
  failed: number;
  durationMs: number;
  error?: unknown;
}

export interface EventSourceMappingOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Defaults to an ARN derived from the queue URL and the client's region. */
  queueArn?: string;
  handler: SqsHandler;
  /** Records per invocation, default 10. Above 10, several receives are gathered. */
  batchSize?: number;
  /** Default 0: invoke as soon as a receive returns. */
  maximumBatchingWindowSeconds?: number;
  /** Parallel pollers, each invoking the handler one batch at a time (AWS: maximumConcurrency). */
  concurrency?: number;
  /** Long-poll wait, default 1 so stop() is quick; 20 is cheaper on real SQS. */
  waitTimeSeconds?: number;
  /** A batch whose handler has not settled by then counts as failed (like a Lambda timeout). */
  handlerTimeoutMs?: number;
  logger?: Logger;
  onBatch?: (info: BatchInfo) => void;
}

export interface EventSourceMappingStats {
  batches: number;
  received: number;
  deleted: number;
  /** Records not deleted because the handler reported or caused their failure. */
  failed: number;
  /** Handler rejections and timeouts, receive and delete errors. */
  errors: number;
}

export interface EventSourceMapping {
  /** Stops polling; resolves once in-flight batches are handled and their deletes done. */
  stop(): Promise<void>;
  stats(): EventSourceMappingStats;
}

const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 10_000;

/**
 * Starts `concurrency` poll loops. Each loop: gather a batch (gather.ts),
 * invoke the handler with it as a Lambda-shaped event (invoke.ts), delete the
 * records that did not fail (acknowledge.ts), repeat until stopped.
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  const batchSize = Math.max(1, options.batchSize ?? MAX_PER_RECEIVE);
  const windowMs = Math.max(0, options.maximumBatchingWindowSeconds ?? 0) * 1000;
  const waitTimeSeconds = Math.min(20, Math.max(0, options.waitTimeSeconds ?? 1));
  const logger = (options.logger ?? createLogger('event-source-mapping')).child({
    component: 'event-source-mapping',
    queueUrl: options.queueUrl,
  });
  const counters: EventSourceMappingStats = {
    batches: 0,
    received: 0,
    deleted: 0,
    failed: 0,
    errors: 0,
  };
  const stopController = new AbortController();
  const receive = sqsReceive(options.sqs, options.queueUrl);
  const eventSource = lazy(() =>
    resolveEventSource(options.sqs, options.queueUrl, options.queueArn),
  );

  let warnedWindow = false;
  function warnWindowTooLong() {
    if (warnedWindow) return;
    warnedWindow = true;
    logger.warn(
      { windowMs },
      'a message came back while its batch was being gathered: keep the batching window well under the visibility timeout',
    );
  }

  async function processBatch(messages: Message[]): Promise<void> {
    const started = Date.now();
    const event = toSqsEvent(messages, await eventSource());
    counters.batches += 1;
    counters.received += messages.length;
    const outcome = await invokeHandler(options.handler, event, options.handlerTimeoutMs);
    if (outcome.error !== undefined) {
      counters.errors += 1;
      logger.error(
        { err: outcome.error, size: event.Records.length },
        'handler failed: the whole batch will retry',
      );
    } else if (outcome.invalidResponse) {
      logger.warn('invalid batchItemFailures: the whole batch fails');
    }
    const settled = await acknowledge(
      options.sqs,
      options.queueUrl,
      event.Records,
      outcome.failed,
      logger,
    );
    counters.deleted += settled.deleted;
    counters.failed += settled.left;
    counters.errors += settled.errors;
    const info: BatchInfo = {
      size: event.Records.length,
      failed: settled.left,
      durationMs: Date.now() - started,
    };
    if (outcome.error !== undefined) info.error = outcome.error;
    options.onBatch?.(info);
  }

  async function pollLoop(): Promise<void> {
    let backoffMs = BACKOFF_START_MS;
    while (!stopController.signal.aborted) {
      let messages: Message[];
      try {
        messages = await gatherBatch({
          receive,
          batchSize,
          windowMs,
          waitTimeSeconds,
          signal: stopController.signal,
          logger,
          onDuplicate: warnWindowTooLong,
        });
        backoffMs = BACKOFF_START_MS;
      } catch (error) {
        counters.errors += 1;
        logger.warn({ err: error, retryInMs: backoffMs }, 'receive failed, backing off');
        await sleep(backoffMs, stopController.signal);
        backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await processBatch(messages);
      } catch (error) {
        // Nothing deleted: the batch comes back after the visibility timeout.
        counters.errors += 1;
        logger.error({ err: error }, 'batch processing failed');
      }
    }
  }

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () =>
    pollLoop().catch((error: unknown) => logger.fatal({ err: error }, 'poll loop crashed')),
  );
  logger.debug({ batchSize, windowMs, concurrency: loops.length }, 'event source mapping started');

  return {
    async stop() {
      stopController.abort();
      await Promise.all(loops);
    },
    stats: () => ({ ...counters }),
  };
}
