import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { backoffDelay, errorText, type Logger } from '@waba/whatsapp';

import { MAX_BACKOFF_SECONDS } from './backoff-limits';

export { MAX_BACKOFF_SECONDS, SQS_MAX_VISIBILITY_SECONDS } from './backoff-limits';

/** Delays after a transient batch failure: the n-th receive waits min(base × 2^(n-1), max). */
export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

/** Seconds a message stays hidden after its `receiveCount`-th receive failed for a transient reason. */
export function backoffSeconds(receiveCount: number, policy: BackoffPolicy): number {
  const max = Math.min(policy.maxSeconds, MAX_BACKOFF_SECONDS);
  return Math.round(backoffDelay(receiveCount, { base: policy.baseSeconds, max }));
}

export interface VisibilityDelay {
  record: SQSRecord;
  seconds: number;
}

/** Changes how long received messages stay hidden (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  /** Resolves with the number of messages whose visibility SQS did not change. */
  delay(delays: readonly VisibilityDelay[]): Promise<number>;
}

/**
 * The URL of the queue an ARN names, in AWS's form
 * (`arn:aws:sqs:eu-west-1:123456789012:ingest` → `https://sqs.eu-west-1.amazonaws.com/123456789012/ingest`).
 */
export function queueUrlFromArn(arn: string): string {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) {
    throw new Error(`not an SQS queue ARN: ${arn}`);
  }
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * ChangeMessageVisibilityBatch, 10 entries per call, on `queueUrl`, or when
 * unset on the queue each record's eventSourceARN names (AWS's URL form: an
 * emulator needs its own URL given).
 */
export function sqsMessageVisibility(sqs: SQSClient, queueUrl?: string): MessageVisibility {
  return {
    async delay(delays) {
      const byQueue = new Map<string, VisibilityDelay[]>();
      for (const d of delays) {
        const url = queueUrl ?? queueUrlFromArn(d.record.eventSourceARN);
        byQueue.set(url, [...(byQueue.get(url) ?? []), d]);
      }
      let unchanged = 0;
      for (const [url, all] of byQueue) {
        for (let i = 0; i < all.length; i += 10) {
          const out = await sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: url,
              Entries: all.slice(i, i + 10).map((d, n) => ({
                Id: String(n),
                ReceiptHandle: d.record.receiptHandle,
                VisibilityTimeout: d.seconds,
              })),
            }),
          );
          unchanged += out.Failed?.length ?? 0;
        }
      }
      return unchanged;
    },
  };
}

/** What the processor needs to back off: the delays, and the queue to apply them to. */
export interface TransientBackoff {
  policy: BackoffPolicy;
  visibility: MessageVisibility;
}

const range = (values: number[]) =>
  values.length ? `${Math.min(...values)}..${Math.max(...values)}` : '';

/**
 * The answer to a batch that failed as a whole for a transient reason (the
 * database is unavailable): hide every message for its back-off delay, then
 * report them all as failed, so SQS hands them out again only after the delay.
 * Each receive still counts towards maxReceiveCount; the growing delay is what
 * stretches those receives over hours. If the visibility cannot be changed,
 * the messages come back after the queue's own visibility timeout, as before.
 */
export async function backOffBatch(
  records: readonly SQSRecord[],
  backoff: TransientBackoff,
  logger: Logger,
  cause: unknown,
): Promise<SQSBatchResponse> {
  const receives = records.map((r) => Number(r.attributes?.ApproximateReceiveCount ?? 1));
  const delays = records.map((record, i) => ({
    record,
    seconds: backoffSeconds(receives[i]!, backoff.policy),
  }));
  try {
    const unchanged = await backoff.visibility.delay(delays);
    if (unchanged > 0) {
      logger.error(
        { unchanged, size: records.length },
        'SQS did not delay some messages: they come back after the queue visibility timeout',
      );
    }
  } catch (error) {
    logger.error(
      { err: error, size: records.length },
      'could not delay the batch: it comes back after the queue visibility timeout',
    );
  }
  logger.warn(
    {
      reason: errorText(cause),
      size: records.length,
      receiveCount: range(receives),
      retryInSeconds: range(delays.map((d) => d.seconds)),
    },
    'database unavailable: the batch backs off',
  );
  return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) };
}
