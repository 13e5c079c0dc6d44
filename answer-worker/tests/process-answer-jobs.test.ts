import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { resolveContacts } from '@waba/db';
import { createGraphClient } from '@waba/whatsapp';
import {
  createTestDatabase,
  jobRecord,
  type TestDatabase,
  startTestSandbox,
  registerAnsweringOrganization,
  type MetaSandbox,
  DEFAULT_PHONE_NUMBER_ID as PHONE,
} from '@waba/testing';
import {
  agentFactory,
  processAnswerJobs,
  retryDelaySeconds,
  type AnswerJobsDeps,
} from '@waba/answer-worker';

const record = (body: string, receiveCount = 1) =>
  jobRecord(body, { receiveCount, queue: 'answer' });

describe('processAnswerJobs()', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let orgId: string;
  const delays: Array<[string, number]> = [];
  let deps: AnswerJobsDeps;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ wabaId: 'w' });
    orgId = await registerAnsweringOrganization(
      t.db,
      { phoneNumberId: PHONE, wabaId: 'w' },
      { name: 'A', slug: 'a' },
    );
    deps = {
      db: t.db,
      graph: createGraphClient({ accessToken: 'x', baseUrl: sandbox.url }),
      agentFor: agentFactory({}),
      logger: pino({ level: 'silent' }),
      clock: () => new Date(),
      agentTimeoutMs: 1000,
      delayRetry: async (r, seconds) => void delays.push([r.receiptHandle, seconds]),
    };
  });
  afterAll(async () => {
    await sandbox.close();
    await t.destroy();
  });

  async function inbound(contact: string) {
    const [contactId] = await resolveContacts(t.db, [
      { organizationId: orgId, waId: contact, userId: null, seenAt: new Date() },
    ]);
    await t.db
      .insertInto('messages')
      .values({
        organization_id: orgId,
        wamid: `wamid.${randomUUID()}`,
        direction: 'inbound',
        phone_number_id: PHONE,
        contact_id: contactId!,
        contact_wa_id: contact,
        type: 'text',
        body: 'hi',
        payload: null,
        context_wamid: null,
        status: 'received',
        occurred_at: new Date(),
        error_code: null,
        error_title: null,
        biz_opaque_callback_data: null,
        campaign_id: null,
      })
      .execute();
    return JSON.stringify({
      organizationId: orgId,
      phoneNumberId: PHONE,
      contactWaId: contact,
      enqueuedAt: new Date().toISOString(),
    });
  }

  it('reports only the job the Graph API asked to retry, and delays it by its receive count', async () => {
    const ok = record(await inbound('551100000001'));
    const limited = record(await inbound('551100000002'), 3);
    sandbox.fault({ code: 131056, httpStatus: 400, to: '551100000002' });

    const result = await processAnswerJobs({ Records: [ok, limited] }, deps);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: limited.messageId }]);
    expect(delays).toEqual([[limited.receiptHandle, retryDelaySeconds(3)]]);
    expect(sandbox.messages().map((m) => m.to)).toEqual(['551100000001']);
  });

  it('reports a malformed job so it reaches the DLQ', async () => {
    const bad = record('{"organizationId":"nope"}');
    expect((await processAnswerJobs({ Records: [bad] }, deps)).batchItemFailures).toEqual([
      { itemIdentifier: bad.messageId },
    ]);
  });

  it.each([
    [1, 10],
    [2, 20],
    [4, 80],
    [20, 900],
  ])('retryDelaySeconds(%i) = %i', (count, seconds) => {
    expect(retryDelaySeconds(count)).toBe(seconds);
  });
});
