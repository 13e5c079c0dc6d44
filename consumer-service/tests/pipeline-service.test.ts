import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createLogger, metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  registerDefaultOrganization,
  createTestQueues,
  until,
  type TestDatabase,
  type TestQueues,
} from '@waba/testing';
import { serviceSettingsFromEnv, startPipelineService } from '../src/pipeline-service';

describe('serviceSettingsFromEnv()', () => {
  const urls = { INGEST_QUEUE_URL: 'https://q/ingest', ANSWER_QUEUE_URL: 'https://q/answer' };

  it('needs the ingest and answer queues', () => {
    expect(() => serviceSettingsFromEnv({})).toThrow(/INGEST_QUEUE_URL/);
    expect(() => serviceSettingsFromEnv({ INGEST_QUEUE_URL: 'x' })).toThrow(/ANSWER_QUEUE_URL/);
  });

  it('defaults mirror the Lambda mappings; no campaign consumer without its queue', () => {
    expect(serviceSettingsFromEnv(urls)).toEqual({
      consumers: {
        ingest: {
          queueUrl: urls.INGEST_QUEUE_URL,
          batchSize: 100,
          windowSeconds: 1,
          concurrency: 2,
          timeoutSeconds: 30,
        },
        answer: {
          queueUrl: urls.ANSWER_QUEUE_URL,
          batchSize: 5,
          windowSeconds: 0,
          concurrency: 2,
          timeoutSeconds: 60,
        },
      },
      dbPoolMax: 10,
      waitTimeSeconds: 10,
    });
  });

  it('reads per-consumer sizes and SERVICE_CONSUMERS', () => {
    const settings = serviceSettingsFromEnv({
      ...urls,
      CAMPAIGN_QUEUE_URL: 'https://q/campaign',
      SERVICE_CONSUMERS: 'ingest, campaign',
      INGEST_BATCH_SIZE: '500',
      INGEST_CONCURRENCY: '4',
      CAMPAIGN_TIMEOUT_SECONDS: '90',
      DB_POOL_MAX: '20',
    });
    expect(Object.keys(settings.consumers)).toEqual(['ingest', 'campaign']);
    expect(settings.consumers.ingest).toMatchObject({ batchSize: 500, concurrency: 4 });
    expect(settings.consumers.campaign).toMatchObject({ batchSize: 1, timeoutSeconds: 90 });
    expect(settings.dbPoolMax).toBe(20);
  });
});

describe('startPipelineService()', () => {
  let q: TestQueues;
  let t: TestDatabase;

  beforeAll(async () => {
    // The SDK's default client warns that the emulator's queue URL host is not a valid URL.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    q = await createTestQueues();
    t = await createTestDatabase();
    await registerDefaultOrganization(t.db);
  });
  afterAll(() => t.destroy());

  it('processes ingest messages from SQS and stops gracefully, deleting what it handled', async () => {
    const env = {
      AWS_ENDPOINT_URL: q.aws.endpoint,
      AWS_REGION: q.aws.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      INGEST_QUEUE_URL: q.ingest.url,
      ANSWER_QUEUE_URL: q.answer.url,
      DATABASE_URL: t.url,
      SERVICE_CONSUMERS: 'ingest',
      SQS_WAIT_TIME_SECONDS: '1',
      INGEST_BATCHING_WINDOW_SECONDS: '0',
      DB_POOL_MAX: '3',
    };
    // The SDK clients the service builds read these, as on ECS.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const raw = metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [
            messagesEntry({ messages: [textMessage({ from: '5511', body: 'via the service' })] }),
          ],
        }),
      ),
    );
    await q.sqs.send(new SendMessageCommand({ QueueUrl: q.ingest.url, MessageBody: raw }));

    const service = await startPipelineService(env, createLogger('test', { level: 'silent' }));
    try {
      await until(async () =>
        (await t.db.selectFrom('messages').select('body').execute()).length > 0 ? true : undefined,
      );
    } finally {
      await service.stop();
      process.env = saved;
    }

    expect(await t.db.selectFrom('messages').select('body').execute()).toEqual([
      { body: 'via the service' },
    ]);
    expect(service.stats().ingest).toMatchObject({ received: 1, deleted: 1, failed: 0 });
    expect(service.stats().answer).toBeUndefined();
    const left = await q.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: q.ingest.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(left.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  }, 30_000);
});
