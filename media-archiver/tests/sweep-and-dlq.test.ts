import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sql } from 'kysely';
import pino from 'pino';
import { insertPendingMedia } from '@waba/db';
import { sqsMediaQueue } from '@waba/db-processor';
import { MEDIA_SWEEP_LOG_MESSAGE, processMediaJobs, sweepPendingMedia } from '@waba/media-archiver';
import { createGraphClient } from '@waba/whatsapp';
import {
  createQueueWithDlq,
  createTestQueues,
  receiveRecords,
  registerDefaultOrganization,
  sandboxMediaId,
  sqsEvent,
  startTestSandbox,
  useTestDatabase,
  DEFAULT_WABA_ID,
  type MetaSandbox,
  type TestQueues,
} from '@waba/testing';

const silent = pino({ level: 'silent' });

describe('the media queue: DLQ after maxReceiveCount, and the sweep of lost jobs', () => {
  const t = useTestDatabase();
  let aws: TestQueues;
  let sandbox: MetaSandbox;
  let org: string;

  beforeAll(async () => {
    aws = await createTestQueues();
    sandbox = await startTestSandbox({ wabaId: DEFAULT_WABA_ID, logger: silent });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await t.reset();
    org = await registerDefaultOrganization(t.db);
  });

  const newQueue = (options: { visibilityTimeoutSeconds: number; maxReceiveCount: number }) =>
    createQueueWithDlq(aws.sqs, `media-${Math.random().toString(36).slice(2, 10)}`, options);
  const pending = (mediaId: string) =>
    insertPendingMedia(t.db, [
      {
        organizationId: org,
        wamid: `wamid.${mediaId}`,
        mediaId,
        mediaType: 'image',
        mimeType: null,
        sha256: null,
      },
    ]);

  it('a media id that keeps failing with 5xx ends in the DLQ after maxReceiveCount, its attempts counted', async () => {
    const queue = await newQueue({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    const mediaId = sandboxMediaId('error5xx');
    await sqsMediaQueue(aws.sqs, queue.url).enqueue(await pending(mediaId));
    const deps = {
      db: t.db,
      graph: createGraphClient({ accessToken: 't', baseUrl: sandbox.url }),
      s3: aws.s3,
      bucket: aws.bucket,
      logger: silent,
      clock: () => new Date(),
      downloadTimeoutMs: 2000,
    };

    // What Lambda's event source mapping does: run the batch, delete what succeeded.
    let dead: unknown[] = [];
    for (let round = 0; round < 10 && dead.length === 0; round++) {
      const records = await receiveRecords(aws.sqs, queue.url, { waitSeconds: 2 });
      if (records.length > 0) {
        const { batchItemFailures } = await processMediaJobs(sqsEvent(records), deps);
        const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length)
          await aws.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
      }
      dead = await receiveRecords(aws.sqs, queue.dlqUrl, { waitSeconds: 0 });
    }

    expect(dead.map((r) => JSON.parse((r as { body: string }).body).mediaId)).toEqual([mediaId]);
    expect(
      await t.db
        .selectFrom('media_objects')
        .select(['state', 'attempts'])
        .where('media_id', '=', mediaId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ state: 'pending', attempts: 2 });
  });

  it('the sweep queues pending media untouched for the threshold again, and reports the oldest pending age', async () => {
    const queue = await newQueue({ visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });
    await pending('m-lost');
    await pending('m-recent');
    await pending('m-stored');
    await sql`update media_objects set created_at = now() - interval '2 hours', updated_at = now() - interval '1 hour'
      where media_id in ('m-lost', 'm-stored')`.execute(t.db);
    await sql`update media_objects set state = 'stored' where media_id = 'm-stored'`.execute(t.db);
    const logs: Array<Record<string, unknown>> = [];
    const sweep = () =>
      sweepPendingMedia({
        db: t.db,
        queue: sqsMediaQueue(aws.sqs, queue.url),
        logger: pino({}, { write: (l: string) => void logs.push(JSON.parse(l)) }),
        olderThanSeconds: 900,
        limit: 100,
      });

    const first = await sweep();
    const second = await sweep();

    expect(first.requeued).toBe(1);
    expect(first.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(7200);
    expect(first.oldestPendingAgeSeconds).toBeLessThan(7300);
    const queued = await receiveRecords(aws.sqs, queue.url, { waitSeconds: 1 });
    expect(queued.map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ organizationId: org, mediaId: 'm-lost', wamid: 'wamid.m-lost' }),
    ]);
    // Touched by the first sweep: not queued again until the threshold passes once more.
    expect(second.requeued).toBe(0);
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: MEDIA_SWEEP_LOG_MESSAGE, requeued: 1 }),
    );
  });
});
