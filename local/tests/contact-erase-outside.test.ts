import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { INGEST_ATTRIBUTES as A, metaEscape } from '@waba/whatsapp';
import {
  createTestDatabase,
  DEFAULT_PHONE_NUMBER_ID,
  drainQueue,
  messagesEntry,
  postSignedWebhook,
  s3Client,
  sqsClient,
  textMessage,
  until,
  webhookPayload,
  type TestDatabase,
} from '@waba/testing';
import { runCli } from '../src/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

/**
 * Issue 19: the erasure reaches past the database. A large body's claim-check
 * copy in S3 and the dead-letter queues hold the customer too; after `contact
 * erase` none of them names her, and the other customer's items are intact.
 */
describe('contact erase outside the database: claim-check copies and dead letters', () => {
  const secret = 'erase-outside-secret';
  const PAULA = '5531977770001';
  const OTTO = '5531977770002';
  let t: TestDatabase;
  let stack: Stack;

  beforeAll(async () => {
    t = await createTestDatabase();
    // Bodies above 8 KiB go to S3, so a webhook of two long texts is claim-checked.
    stack = await startTestStack(t, { WHATSAPP_APP_SECRET: secret, SQS_MAX_MESSAGE_BYTES: '8192' });
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  const aws = () => ({ endpoint: stack.state.awsEndpoint, region: stack.state.region });
  const body = (...texts: Array<[string, string]>) =>
    metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [
            messagesEntry({ messages: texts.map(([from, b]) => textMessage({ from, body: b })) }),
          ],
        }),
      ),
    );
  const contactId = async (waId: string) =>
    (
      await t.db
        .selectFrom('contacts')
        .select('id')
        .where('wa_id', '=', waId)
        .executeTakeFirstOrThrow()
    ).id;

  it("redacts her items in the claim-check copy and the ingest DLQ, deletes her dead-lettered jobs, keeps Otto's", async () => {
    const s3 = s3Client(aws());
    const sqs = sqsClient(aws());
    const large = body(
      [PAULA, `paula private ${'p'.repeat(4500)}`],
      [OTTO, `otto keeps this ${'o'.repeat(4500)}`],
    );
    expect((await postSignedWebhook(`${stack.url}/webhook`, large, secret)).status).toBe(200);
    await until(async () => {
      const n = await t.db.selectFrom('messages').select('id').execute();
      return n.length >= 2;
    });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: stack.queues.bucket, Prefix: 'webhooks/' }),
    );
    const [key] = (listed.Contents ?? []).map((o) => o.Key!);
    const copy = async () =>
      (
        await s3.send(new GetObjectCommand({ Bucket: stack.queues.bucket, Key: key! }))
      ).Body!.transformToString();
    expect(await copy()).toContain(PAULA);

    // A webhook that failed processing for good, and two answer jobs that did.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queues.ingest.dlqUrl,
        MessageBody: body([PAULA, 'paula in the dlq'], [OTTO, 'otto in the dlq']),
        MessageAttributes: {
          [A.appId]: { DataType: 'String', StringValue: 'default' },
          [A.receivedAt]: { DataType: 'String', StringValue: new Date().toISOString() },
        },
      }),
    );
    const [paulaId, ottoId] = [await contactId(PAULA), await contactId(OTTO)];
    const org = (
      await t.db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', 'default')
        .executeTakeFirstOrThrow()
    ).id;
    for (const id of [paulaId, ottoId])
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queues.answer.dlqUrl,
          MessageBody: JSON.stringify({
            organizationId: org,
            phoneNumberId: DEFAULT_PHONE_NUMBER_ID,
            contactId: id,
            enqueuedAt: new Date().toISOString(),
          }),
        }),
      );

    const lines: string[] = [];
    await runCli(
      ['contact', 'erase', '--org', 'default', '--wa-id', PAULA, '--by', 'ticket-19'],
      (l) => lines.push(l),
    );

    expect(lines).toEqual(
      expect.arrayContaining([
        'claim-check copies redacted\t1',
        'ingest dead letters erased\t1',
        'answer dead letters erased\t1',
      ]),
    );
    const redacted = await copy();
    expect(redacted).not.toContain(PAULA);
    expect(redacted).not.toContain('paula private');
    expect(redacted).toContain('otto keeps this');
    const ingest = await drainQueue(sqs, stack.queues.ingest.dlqUrl);
    expect(ingest).toHaveLength(1);
    expect(ingest[0]!.Body).not.toContain(PAULA);
    expect(ingest[0]!.Body).toContain('otto in the dlq');
    const answers = await drainQueue(sqs, stack.queues.answer.dlqUrl);
    expect(answers.map((m) => (JSON.parse(m.Body!) as { contactId: number }).contactId)).toEqual([
      ottoId,
    ]);
  });
});
