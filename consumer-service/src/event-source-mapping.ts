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
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { createLogger, type Logger } from '@waba/whatsapp';

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
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
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

const MAX_PER_RECEIVE = 10;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 10_000;

class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
}

/**
 * Starts `concurrency` poll loops. Each loop: gather a batch, invoke the
 * handler, delete the records that did not fail, repeat until stopped.
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
  let arn: Promise<{ eventSourceARN: string; awsRegion: string }> | undefined;

  const source = () =>
    (arn ??= resolveSource(options.sqs, options.queueUrl, options.queueArn).catch(
      (error: unknown) => {
        arn = undefined;
        throw error;
      },
    ));

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const result = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(MAX_PER_RECEIVE, max),
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  }

  /** One batch: up to batchSize messages, or what arrived within the window. */
  async function gather(): Promise<Message[]> {
    const first = await receive(batchSize, waitTimeSeconds);
    if (first.length === 0) return first;
    // By id: a window longer than the visibility timeout receives the same message twice,
    // and only the newest receipt handle can delete it.
    const byId = new Map(first.map((m) => [m.MessageId, m]));
    const deadline = Date.now() + windowMs;
    let lastPageFull = first.length === MAX_PER_RECEIVE;
    while (byId.size < batchSize && !stopController.signal.aborted) {
      const remainingMs = deadline - Date.now();
      // Without a window, keep reading only while the queue hands out full pages.
      if (windowMs === 0 ? !lastPageFull : remainingMs <= 0) break;
      const wait = windowMs === 0 ? 0 : Math.min(waitTimeSeconds, Math.floor(remainingMs / 1000));
      let more: Message[];
      try {
        more = await receive(batchSize - byId.size, wait);
      } catch (error) {
        // Keep what we hold: dropping it would hide it for a visibility timeout.
        logger.warn({ err: error }, 'receive failed while gathering a batch');
        break;
      }
      for (const m of more) {
        if (byId.has(m.MessageId)) warnWindowTooLong();
        byId.set(m.MessageId, m);
      }
      lastPageFull = more.length === MAX_PER_RECEIVE;
      // A short poll under a second of window left: do not spin on an empty queue.
      if (more.length === 0 && wait === 0 && windowMs > 0) {
        await sleep(Math.min(100, Math.max(0, deadline - Date.now())), stopController.signal);
      }
    }
    return [...byId.values()];
  }

  let warnedWindow = false;
  function warnWindowTooLong() {
    if (warnedWindow) return;
    warnedWindow = true;
    logger.warn(
      { windowMs },
      'a message came back while its batch was being gathered: keep the batching window well under the visibility timeout',
    );
  }

  async function deleteMessages(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += MAX_PER_RECEIVE) {
      const chunk = records.slice(i, i + MAX_PER_RECEIVE);
      try {
        const result = await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: chunk.map((r, index) => ({
              Id: String(index),
              ReceiptHandle: r.receiptHandle,
            })),
          }),
        );
        counters.deleted += result.Successful?.length ?? 0;
        if (result.Failed?.length) {
          counters.errors += 1;
          logger.error(
            { failed: result.Failed },
            'some deletes failed: those messages will be redelivered',
          );
        }
      } catch (error) {
        counters.errors += 1;
        logger.error(
          { err: error, count: chunk.length },
          'delete failed: those messages will be redelivered',
        );
      }
    }
  }

  async function invoke(
    event: SQSEvent,
  ): Promise<{ failedIds: Set<string> | 'all'; error?: unknown }> {
    try {
      const result = await withTimeout(options.handler(event), options.handlerTimeoutMs);
      const failedIds = failedRecords(event.Records, result);
      if (failedIds === 'all') logger.warn('invalid batchItemFailures: the whole batch fails');
      return { failedIds };
    } catch (error) {
      counters.errors += 1;
      logger.error(
        { err: error, size: event.Records.length },
        'handler failed: the whole batch will retry',
      );
      return { failedIds: 'all', error };
    }
  }

  async function processBatch(messages: Message[]): Promise<void> {
    const started = Date.now();
    const { eventSourceARN, awsRegion } = await source();
    const event: SQSEvent = {
      Records: messages.map((m) => toRecord(m, eventSourceARN, awsRegion)),
    };
    counters.batches += 1;
    counters.received += messages.length;
    const { failedIds, error } = await invoke(event);
    const toDelete =
      failedIds === 'all' ? [] : event.Records.filter((r) => !failedIds.has(r.messageId));
    const failed = event.Records.length - toDelete.length;
    counters.failed += failed;
    await deleteMessages(toDelete);
    const info: BatchInfo = {
      size: event.Records.length,
      failed,
      durationMs: Date.now() - started,
    };
    if (error !== undefined) info.error = error;
    options.onBatch?.(info);
  }

  async function pollLoop(): Promise<void> {
    let backoffMs = BACKOFF_START_MS;
    while (!stopController.signal.aborted) {
      let messages: Message[];
      try {
        messages = await gather();
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

/**
 * Which records to keep on the queue, by AWS's rules: `'all'` for a malformed
 * response or an identifier that is empty or not in the batch.
 */
export function failedRecords(records: SQSRecord[], result: unknown): Set<string> | 'all' {
  if (result === undefined || result === null) return new Set();
  if (typeof result !== 'object') return 'all';
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const known = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

/** An SQS message in the shape Lambda delivers it. */
export function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ...message.Attributes } as unknown as SQSRecordAttributes,
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
  if (message.MD5OfMessageAttributes)
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toLambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    converted[name] = {
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
      }),
      // Lambda always sends these two (reserved by SQS) as empty lists.
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? 'String',
    };
  }
  return converted;
}

async function resolveSource(
  sqs: SQSClient,
  queueUrl: string,
  queueArn: string | undefined,
): Promise<{ eventSourceARN: string; awsRegion: string }> {
  const awsRegion = await sqs.config.region();
  if (queueArn) return { eventSourceARN: queueArn, awsRegion };
  // Queue URLs end in /<account>/<name> on SQS and on the emulators alike. Not parsed
  // with URL: emulators hand out hosts like sqs.us-east-1.127.0.0.1 that WHATWG rejects.
  const path = queueUrl.replace(/^[a-z]+:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  const [account = '000000000000', name = 'queue'] = path.split('/').filter(Boolean).slice(-2);
  return { eventSourceARN: `arn:aws:sqs:${awsRegion}:${account}:${name}`, awsRegion };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandlerTimeoutError(`handler timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
