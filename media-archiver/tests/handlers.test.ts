import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import pino from 'pino';
import { insertPendingMedia } from '@waba/db';
import {
  createQueueWithDlq,
  createTestDatabase,
  createTestQueues,
  jobRecord,
  registerDefaultOrganization,
  sandboxMediaId,
  sandboxMediaSha256,
  startTestSandbox,
  DEFAULT_WABA_ID,
  type MetaSandbox,
  type TestDatabase,
  type TestQueues,
} from '@waba/testing';
import type * as ArchiverHandler from '../src/handler';
import type * as SweepHandler from '../src/sweep-handler';

/**
 * The archiver's Lambda entry points as AWS runs them: configured only by
 * environment variables, clients from the SDK's default chain (pointed at the
 * emulator with AWS_ENDPOINT_URL).
 */
describe('media archiver Lambda handlers', () => {
  let q: TestQueues;
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let org: string;
  let mediaQueueUrl: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    q = await createTestQueues();
    t = await createTestDatabase();
    org = await registerDefaultOrganization(t.db);
    sandbox = await startTestSandbox({
      wabaId: DEFAULT_WABA_ID,
      accessToken: 'lambda-token',
      logger: pino({ level: 'silent' }),
    });
    mediaQueueUrl = (await createQueueWithDlq(q.sqs, `media-${Date.now().toString(36)}`)).url;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: q.aws.endpoint,
      AWS_REGION: q.aws.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      DATABASE_URL: t.url,
      WHATSAPP_ACCESS_TOKEN: 'lambda-token',
      WHATSAPP_GRAPH_URL: sandbox.url,
      MEDIA_BUCKET: q.bucket,
      MEDIA_QUEUE_URL: mediaQueueUrl,
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await sandbox.close();
    await t.destroy();
  });

  it('the archiver handler stores a queued media job in S3; the sweep handler reports the oldest pending age', async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const archiver = require('../src/handler') as typeof ArchiverHandler;
    const sweep = require('../src/sweep-handler') as typeof SweepHandler;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const mediaId = sandboxMediaId();
    const [job] = await insertPendingMedia(t.db, [
      {
        organizationId: org,
        wamid: 'wamid.lambda',
        mediaId,
        mediaType: 'image',
        mimeType: 'image/jpeg',
        sha256: sandboxMediaSha256(mediaId),
      },
    ]);
    const event: SQSEvent = { Records: [jobRecord(JSON.stringify(job))] };

    expect(await archiver.handler(event)).toEqual({ batchItemFailures: [] });

    const row = await t.db
      .selectFrom('media_objects')
      .selectAll()
      .where('media_id', '=', mediaId)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('stored');
    const object = await q.s3.send(new GetObjectCommand({ Bucket: q.bucket, Key: row.s3_key! }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(createHash('sha256').update(bytes).digest('base64')).toBe(sandboxMediaSha256(mediaId));
    expect(await sweep.handler()).toEqual({ requeued: 0, oldestPendingAgeSeconds: 0 });
  });
});
