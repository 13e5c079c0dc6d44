import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { metaEscape, signPayload } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  registerDefaultOrganization,
  createTestQueues,
  type TestDatabase,
  type TestQueues,
} from '@waba/testing';
import { toRecord } from '@waba/consumer-service';
import type * as ReceiverHandler from '../../webhook-receiver/src/handler';
import type * as ProcessorHandler from '../../db-processor/src/handler';

type ReceiverModule = typeof ReceiverHandler;
type ProcessorModule = typeof ProcessorHandler;

/**
 * The Lambda entry points as AWS runs them: configured only by environment
 * variables, clients built by the SDK's default chain (pointed at the
 * emulator with AWS_ENDPOINT_URL).
 */
describe('Lambda handlers', () => {
  let q: TestQueues;
  let t: TestDatabase;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The SDK's default client warns that the emulator's queue URL host (sqs.<region>.127.0.0.1)
    // is not a valid URL, then uses the endpoint it was given: noise, not a failure.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    q = await createTestQueues();
    t = await createTestDatabase();
    await registerDefaultOrganization(t.db);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: q.aws.endpoint,
      AWS_REGION: q.aws.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      WHATSAPP_APP_SECRET: 'lambda-secret',
      WHATSAPP_VERIFY_TOKEN: 'lambda-token',
      INGEST_QUEUE_URL: q.ingest.url,
      ANSWER_QUEUE_URL: q.answer.url,
      PAYLOAD_BUCKET: q.bucket,
      DATABASE_URL: t.url,
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await t.destroy();
  });

  it('receiver handler enqueues a signed webhook, and the processor handler stores it', async () => {
    // Loaded after the environment is set, as in a Lambda cold start (the loggers read LOG_LEVEL).
    /* eslint-disable @typescript-eslint/no-require-imports */
    const receiver = require('../../webhook-receiver/src/handler') as ReceiverModule;
    const processor = require('../../db-processor/src/handler') as ProcessorModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const raw = metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [
            messagesEntry({ messages: [textMessage({ from: '5511', body: 'via Lambda' })] }),
          ],
        }),
      ),
    );
    const event = {
      version: '2.0',
      rawPath: '/webhook',
      headers: { 'x-hub-signature-256': signPayload(raw, 'lambda-secret') },
      requestContext: { http: { method: 'POST', path: '/webhook' } },
      body: Buffer.from(raw).toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;

    const response = await receiver.handler(event);

    expect(response.statusCode).toBe(200);
    const received = await q.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.ingest.url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const sqsEvent: SQSEvent = {
      Records: (received.Messages ?? []).map((m) =>
        toRecord(m, 'arn:aws:sqs:us-east-1:000000000000:ingest', 'us-east-1'),
      ),
    };
    expect(sqsEvent.Records).toHaveLength(1);

    const result = await processor.handler(sqsEvent);

    expect(result.batchItemFailures).toEqual([]);
    expect(await t.db.selectFrom('messages').select('body').execute()).toEqual([
      { body: 'via Lambda' },
    ]);
    const job = await q.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.answer.url, WaitTimeSeconds: 5 }),
    );
    const contact = await t.db
      .selectFrom('contacts')
      .select('id')
      .where('wa_id', '=', '5511')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(job.Messages![0]!.Body!)).toMatchObject({
      contactId: contact.id,
      phoneNumberId: '106540352242922',
    });
  });
});
