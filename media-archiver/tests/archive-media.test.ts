import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import pino from 'pino';
import { processSqsEvent } from '@waba/db-processor';
import { setMediaRetentionDays } from '@waba/db';
import {
  MEDIA_HASH_MISMATCH_LOG_MESSAGE,
  processMediaJobs,
  type MediaJobsDeps,
} from '@waba/media-archiver';
import { createGraphClient, metaEscape, type MediaJob } from '@waba/whatsapp';
import {
  createTestQueues,
  imageMessage,
  jobRecord,
  messagesEntry,
  processorDeps,
  registerDefaultOrganization,
  s3Client,
  sandboxMediaId,
  sandboxMediaSha256,
  sqsEvent,
  sqsRecord,
  startTestSandbox,
  useTestDatabase,
  webhookPayload,
  DEFAULT_WABA_ID,
  type MetaSandbox,
  type SandboxMediaFault,
  type TestQueues,
} from '@waba/testing';

const DAY = 24 * 3600;

describe('processMediaJobs(): media to S3 through the Meta sandbox', () => {
  const t = useTestDatabase();
  let aws: TestQueues;
  let sandbox: MetaSandbox;
  let org: string;
  let logs: Array<Record<string, unknown>>;

  beforeAll(async () => {
    aws = await createTestQueues();
    sandbox = await startTestSandbox({
      wabaId: DEFAULT_WABA_ID,
      accessToken: 'token',
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await t.reset();
    org = await registerDefaultOrganization(t.db);
    logs = [];
  });

  const deps = (): MediaJobsDeps => ({
    db: t.db,
    graph: createGraphClient({ accessToken: 'token', baseUrl: sandbox.url, timeoutMs: 2000 }),
    s3: aws.s3,
    bucket: aws.bucket,
    logger: pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    clock: () => new Date(),
    downloadTimeoutMs: 5000,
  });

  /** An image webhook through the real processor; the media job it queued. */
  async function imageArrives(
    media: { id: string; sha256: string },
    options: { ageSeconds?: number } = {},
  ): Promise<MediaJob> {
    const queued: MediaJob[] = [];
    const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
    const payload = webhookPayload({
      entries: [
        messagesEntry({
          messages: [imageMessage({ mediaId: media.id, sha256: media.sha256, timestamp })],
        }),
      ],
    });
    const result = await processSqsEvent(
      sqsEvent([sqsRecord(metaEscape(JSON.stringify(payload)))]),
      processorDeps(t.db, { media: { enqueue: async (jobs) => void queued.push(...jobs) } }),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(queued).toHaveLength(1);
    return queued[0]!;
  }
  const testImage = (fault?: SandboxMediaFault, ageSeconds?: number) => {
    const id = sandboxMediaId(fault);
    return imageArrives({ id, sha256: sandboxMediaSha256(id) }, { ageSeconds });
  };
  const archive = (job: MediaJob, receiveCount = 1) => {
    const record = jobRecord(JSON.stringify(job), { receiveCount });
    return processMediaJobs(sqsEvent([record]), deps()).then((r) => ({ ...r, record }));
  };
  const row = (mediaId: string) =>
    t.db
      .selectFrom('media_objects')
      .selectAll()
      .where('media_id', '=', mediaId)
      .executeTakeFirstOrThrow();
  const objectBytes = async (key: string) => {
    const out = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  };
  const keysOf = async (mediaId: string) =>
    (
      await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: `media/${org}/` }))
    ).Contents?.map((o) => o.Key!).filter((k) => k.endsWith(`/${mediaId}`)) ?? [];

  it('stores the file under media/<org>/<yyyy>/<mm>/<dd>/<media id>; its bytes hash to the webhook sha256', async () => {
    const bytes = Buffer.from('a receipt, as a customer photographs it');
    const media = sandbox.addMedia(bytes, 'image/png');
    const job = await imageArrives(media);

    const { batchItemFailures } = await archive(job);

    expect(batchItemFailures).toEqual([]);
    const stored = await row(media.id);
    const day = stored.created_at.toISOString().slice(0, 10).split('-').join('/');
    expect(stored).toMatchObject({
      state: 'stored',
      s3_key: `media/${org}/${day}/${media.id}`,
      bytes: bytes.length,
      mime_type: 'image/png',
      attempts: 1,
      reason: null,
    });
    expect(stored.stored_at).toBeInstanceOf(Date);
    const object = await objectBytes(stored.s3_key!);
    expect(createHash('sha256').update(object).digest('base64')).toBe(media.sha256);
  });

  it('tags the object with the organization retention rounded up to a tier; none when it keeps media', async () => {
    // The emulator keeps no tags: read the x-amz-tagging header of the PutObject S3 receives.
    const tagging = new Map<string, string | undefined>();
    const s3 = s3Client(aws.aws);
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key;
        const headers = (args.request as { headers?: Record<string, string> }).headers;
        if (context.commandName === 'PutObjectCommand' && key)
          tagging.set(key, headers?.['x-amz-tagging']);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    await setMediaRetentionDays(t.db, org, 20);
    const kept = await testImage();
    await processMediaJobs(sqsEvent([jobRecord(JSON.stringify(kept))]), { ...deps(), s3 });
    await setMediaRetentionDays(t.db, org, null);
    const forever = await testImage();
    await processMediaJobs(sqsEvent([jobRecord(JSON.stringify(forever))]), { ...deps(), s3 });

    expect(tagging.get((await row(kept.mediaId)).s3_key!)).toBe('retention-days=30');
    expect(tagging.has((await row(forever.mediaId)).s3_key!)).toBe(true);
    expect(tagging.get((await row(forever.mediaId)).s3_key!)).toBeUndefined();
  });

  it('the same media id twice stores one object and downloads it once', async () => {
    const job = await testImage();

    await archive(job);
    const again = await archive(job);

    expect(again.batchItemFailures).toEqual([]);
    expect(again.outcomes).toEqual([expect.objectContaining({ state: 'stored', duplicate: true })]);
    expect(sandbox.mediaRequests(job.mediaId)).toEqual({ lookups: 1, downloads: 1 });
    expect(await keysOf(job.mediaId)).toHaveLength(1);
    expect((await row(job.mediaId)).attempts).toBe(1);
  });

  it('a 404 on a media id older than Meta expiry ends expired, not retried', async () => {
    const job = await testImage('expired', 8 * DAY);

    const { batchItemFailures } = await archive(job);

    expect(batchItemFailures).toEqual([]);
    expect(await row(job.mediaId)).toMatchObject({ state: 'expired', s3_key: null });
    expect((await row(job.mediaId)).reason).toMatch(/404/);
  });

  it('a 404 on a young media id is retried: the job goes back to the queue, the row stays pending', async () => {
    const job = await testImage('expired', 60);

    const { batchItemFailures, record } = await archive(job);

    expect(batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(await row(job.mediaId)).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('a 5xx is transient: reported for retry with its reason, attempts counted', async () => {
    const job = await testImage('error5xx');

    const first = await archive(job);
    const second = await archive(job, 2);

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: first.record.messageId }]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: second.record.messageId }]);
    const pending = await row(job.mediaId);
    expect(pending).toMatchObject({ state: 'pending', attempts: 2 });
    expect(pending.reason).toMatch(/HTTP 500/);
  });

  it.each([
    ['ratelimited', /HTTP 429/],
    ['stall', /abort|timeout|timed out/i],
  ] as const)('%s: a 429 or a download that stops is transient, retried', async (fault, reason) => {
    const job = await testImage(fault);

    const result = await processMediaJobs(sqsEvent([jobRecord(JSON.stringify(job))]), {
      ...deps(),
      downloadTimeoutMs: 500,
    });

    expect(result.batchItemFailures).toHaveLength(1);
    expect(result.outcomes).toEqual([]);
    const pending = await row(job.mediaId);
    expect(pending).toMatchObject({ state: 'pending', attempts: 1 });
    expect(pending.reason).toMatch(reason);
    expect(await keysOf(job.mediaId)).toEqual([]);
  });

  it('an S3 failure is transient: retried, nothing recorded as stored', async () => {
    const job = await testImage();

    const { batchItemFailures } = await processMediaJobs(
      sqsEvent([jobRecord(JSON.stringify(job))]),
      {
        ...deps(),
        bucket: 'no-such-bucket',
      },
    );

    expect(batchItemFailures).toHaveLength(1);
    expect(await row(job.mediaId)).toMatchObject({ state: 'pending', attempts: 1 });
  });

  it('a transient failure past Meta expiry ends failed instead of being retried forever', async () => {
    const job = await testImage('error5xx', 8 * DAY);

    const { batchItemFailures } = await archive(job);

    expect(batchItemFailures).toEqual([]);
    const failed = await row(job.mediaId);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toMatch(/^still failing after Meta's media expiry .*HTTP 500/);
  });

  it('a retry after a transient failure stores the file', async () => {
    const job = await testImage('flaky');

    expect((await archive(job)).batchItemFailures).toHaveLength(1);
    expect((await archive(job, 2)).batchItemFailures).toEqual([]);

    expect(await row(job.mediaId)).toMatchObject({ state: 'stored', attempts: 2, reason: null });
  });

  it('bytes that do not hash to the webhook sha256: failed with the reason, logged at error level, quarantined for the 7-day rule', async () => {
    const job = await testImage('wrongbytes');

    const { batchItemFailures } = await archive(job);

    expect(batchItemFailures).toEqual([]);
    const failed = await row(job.mediaId);
    expect(failed).toMatchObject({ state: 'failed', s3_key: null });
    expect(failed.reason).toMatch(/^sha256 mismatch/);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 50, msg: MEDIA_HASH_MISMATCH_LOG_MESSAGE }),
    );
    const [key] = await keysOf(job.mediaId);
    const { TagSet } = await aws.s3.send(
      new GetObjectTaggingCommand({ Bucket: aws.bucket, Key: key! }),
    );
    expect(TagSet).toEqual([{ Key: 'retention-days', Value: '7' }]);
  });

  it('a file growing past its type limit is stopped and failed, nothing stored', async () => {
    const job = await testImage('toolarge');

    const { batchItemFailures } = await archive(job);

    expect(batchItemFailures).toEqual([]);
    const failed = await row(job.mediaId);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toMatch(/over Meta's 5242880-byte limit/);
    expect(await keysOf(job.mediaId)).toEqual([]);
  });

  it('an unreadable job is reported for retry (and dead-lettered by the queue)', async () => {
    const record = jobRecord('{"not":"a media job"}');

    const { batchItemFailures } = await processMediaJobs(sqsEvent([record]), deps());

    expect(batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  });

  it('keeps the HeadObject of a stored file consistent with its row', async () => {
    const job = await testImage();
    await archive(job);
    const stored = await row(job.mediaId);

    const head = await aws.s3.send(
      new HeadObjectCommand({ Bucket: aws.bucket, Key: stored.s3_key! }),
    );

    expect(head.ContentLength).toBe(stored.bytes);
  });
});
