import pino from 'pino';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import { handleWebhookRequest, receiverDepsFromEnv } from '@waba/webhook-receiver';
import {
  createTestQueues,
  drainQueue,
  messagesEntry,
  postSignedWebhook,
  textMessage,
  webhookPayload,
  type TestQueues,
} from '@waba/testing';
import { startHttpGateway, type HttpGateway } from '../src/http-gateway';

/**
 * The receiver behind a Lambda function URL (the cheaper ingress of
 * docs/deploy.md): every path and method reaches it as routeKey `$default`,
 * so it matches `/webhook` and `/webhook/{appId}` itself. Real HTTP in, the
 * production receiver (signed HTTPS calls to the SQS emulator) behind it.
 */
describe('the receiver behind a function URL', () => {
  const SECRET = 'function-url-secret';
  const OTHER = 'other-app-secret';
  let q: TestQueues;
  let gateway: HttpGateway;

  beforeAll(async () => {
    q = await createTestQueues();
    const deps = receiverDepsFromEnv(
      {
        INGEST_QUEUE_URL: q.ingest.url,
        PAYLOAD_BUCKET: q.bucket,
        WHATSAPP_APP_SECRET: SECRET,
        WHATSAPP_VERIFY_TOKEN: 'verify-me',
        WHATSAPP_APPS: JSON.stringify({ '987': { secrets: [OTHER], verifyToken: 'other' } }),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL: q.aws.endpoint,
      },
      { logger: pino({ level: 'silent' }) },
    );
    gateway = await startHttpGateway({
      port: 0,
      functionUrl: (event) => handleWebhookRequest(event, deps),
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await gateway.close();
  });

  const raw = JSON.stringify(
    webhookPayload({ entries: [messagesEntry({ messages: [textMessage({ body: 'hi' })] })] }),
  );

  async function received(): Promise<Array<Record<string, string | undefined>>> {
    return (await drainQueue(q.sqs, q.ingest.url)).map((m) => ({
      body: m.Body,
      appId: m.MessageAttributes?.[A.appId]?.StringValue,
    }));
  }

  it('enqueues a signed webhook on /webhook (default app) and /webhook/{appId}', async () => {
    expect((await postSignedWebhook(`${gateway.url}/webhook`, raw, SECRET)).status).toBe(200);
    expect((await postSignedWebhook(`${gateway.url}/webhook/987`, raw, OTHER)).status).toBe(200);

    const messages = await received();
    expect(messages.map((m) => m.appId).sort()).toEqual(['987', 'default']);
    expect(messages.every((m) => m.body === raw)).toBe(true);
  });

  it("answers Meta's challenge on the app's own path", async () => {
    const query = 'hub.mode=subscribe&hub.verify_token=other&hub.challenge=42';
    const res = await fetch(`${gateway.url}/webhook/987?${query}`);
    expect([res.status, await res.text()]).toEqual([200, '42']);
  });

  it('answers 404 on any other path and enqueues nothing', async () => {
    for (const path of ['/', '/health', '/webhook/987/extra', '/webhooks', '/webhook/%E0%A4%A']) {
      const res = await postSignedWebhook(`${gateway.url}${path}`, raw, SECRET);
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect(await received()).toEqual([]);
  });

  it('still refuses a bad signature with 401', async () => {
    const res = await postSignedWebhook(`${gateway.url}/webhook`, raw, 'wrong');
    expect(res.status).toBe(401);
    expect(await received()).toEqual([]);
  });
});
