import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueEntry {
  body: string;
  delaySeconds?: number;
}

/** SendMessageBatch in chunks of 10; any entry SQS refuses fails the call (naming `what`). */
export async function sendInBatches(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly QueueEntry[],
  what: string,
): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const chunk = entries.slice(i, i + 10);
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((e, n) => ({
          Id: String(n),
          MessageBody: e.body,
          ...(e.delaySeconds === undefined
            ? {}
            : { DelaySeconds: Math.max(0, Math.min(900, Math.round(e.delaySeconds))) }),
        })),
      }),
    );
    if (out.Failed?.length) {
      throw new Error(
        `${what} refused ${out.Failed.length} job(s): ${out.Failed[0]?.Message ?? ''}`,
      );
    }
  }
}
