import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toRecord, type EventSource } from './sqs-record';

/** A consumer as Lambda calls it: one SQS event in, an optional partial batch response out. */
export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
}

/** What the handler made of a batch: the ids to keep on the queue, or all of them. */
export interface InvokeOutcome {
  failed: Set<string> | 'all';
  /** The handler threw, rejected or timed out. */
  error?: unknown;
  /** The handler answered with a response AWS would reject (the whole batch fails). */
  invalidResponse?: boolean;
}

/** The received messages as the `SQSEvent` Lambda would pass. */
export function toSqsEvent(messages: Message[], source: EventSource): SQSEvent {
  return { Records: messages.map((m) => toRecord(m, source.eventSourceARN, source.awsRegion)) };
}

/**
 * Calls the handler once and reads its partial batch response by AWS's rules.
 * Never throws: a thrown, rejected or timed-out handler fails the whole batch.
 */
export async function invokeHandler(
  handler: SqsHandler,
  event: SQSEvent,
  timeoutMs?: number,
): Promise<InvokeOutcome> {
  try {
    const result = await withTimeout(handler(event), timeoutMs);
    const failed = failedRecords(event.Records, result);
    return failed === 'all' ? { failed, invalidResponse: true } : { failed };
  } catch (error) {
    return { failed: 'all', error };
  }
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
