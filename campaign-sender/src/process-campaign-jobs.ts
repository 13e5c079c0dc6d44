import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendCampaignSlice, type CampaignSenderDeps, type SliceResult } from './send-slice';

/** One message on the campaign queue: run the next slice of this campaign. */
export interface CampaignJob {
  campaignId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseCampaignJob(body: string): CampaignJob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('campaign job is not JSON');
  }
  const id = (parsed as { campaignId?: unknown } | null)?.campaignId;
  if (typeof id !== 'string' || !UUID.test(id))
    throw new Error('campaign job has no campaignId uuid');
  return { campaignId: id };
}

/** Queues a campaign job, after `delaySeconds` (SQS allows up to 900). */
export type EnqueueCampaignJob = (job: CampaignJob, delaySeconds: number) => Promise<void>;

export function sqsCampaignQueue(sqs: SQSClient, queueUrl: string): EnqueueCampaignJob {
  return async (job, delaySeconds) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(job),
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
      }),
    );
  };
}

export interface CampaignJobsDeps extends CampaignSenderDeps {
  enqueue: EnqueueCampaignJob;
}

/**
 * The sender's SQS consumer: each record runs one slice and queues the next
 * one itself, so a campaign of any size goes out in short invocations. A
 * record that fails (unreadable, database down) is reported back and retried
 * by SQS, then kept in the DLQ with its error.
 */
export async function processCampaignJobs(
  event: SQSEvent,
  deps: CampaignJobsDeps,
): Promise<SQSBatchResponse & { slices: SliceResult[] }> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const slices: SliceResult[] = [];
  for (const record of event.Records) {
    try {
      const job = parseCampaignJob(record.body);
      const slice = await sendCampaignSlice(deps, job.campaignId);
      slices.push(slice);
      deps.logger.info(slice, 'campaign slice done');
      if (slice.nextInSeconds !== null) await deps.enqueue(job, slice.nextInSeconds);
    } catch (error) {
      // An unusable Graph token lands here too: logged as an error, the job stays in the queue.
      deps.logger.error({ err: error, messageId: record.messageId }, 'campaign job failed');
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures, slices };
}
