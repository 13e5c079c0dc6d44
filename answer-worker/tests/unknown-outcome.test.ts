import pino from 'pino';
import { updateAgentConfig, upsertOrganization, type Db } from '@waba/db';
import {
  createGraphClient,
  GRAPH_TOKEN_PLACEHOLDER,
  type AccessTokenSource,
  type AnswerJob,
} from '@waba/whatsapp';
import {
  messagesEntry,
  status,
  textMessage,
  createTestDatabase,
  jobRecord,
  type TestDatabase,
  startTestSandbox,
  registerAnsweringOrganization,
  answerJob,
  type MetaSandbox,
  processEntries,
  DEFAULT_PHONE_NUMBER_ID as PHONE,
  DEFAULT_WABA_ID as WABA,
} from '@waba/testing';
import {
  agentFactory,
  answerConversation,
  processAnswerJobs,
  type AnswerJobsDeps,
} from '@waba/answer-worker';

const CUSTOMER = '5511987650000';
const GRACE_MS = 60_000;

describe('answers whose send outcome is unknown', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let orgId: string;
  let logs: Array<Record<string, unknown>>;
  let now: Date;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({
      wabaId: WABA,
      accessToken: 'token',
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await t.destroy();
  });
  beforeEach(async () => {
    await t.reset();
    sandbox.clearFaults();
    logs = [];
    now = new Date();
    orgId = await registerAnsweringOrganization(t.db, { phoneNumberId: PHONE, wabaId: WABA });
  });

  const job = (): AnswerJob => answerJob(orgId, PHONE, CUSTOMER);
  const deps = (
    options: { token?: string | AccessTokenSource; timeoutMs?: number } = {},
  ): AnswerJobsDeps => ({
    db: t.db,
    graph: createGraphClient({
      accessToken: options.token ?? 'token',
      baseUrl: sandbox.url,
      timeoutMs: options.timeoutMs ?? 2_000,
    }),
    agentFor: agentFactory({}),
    logger: pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    clock: () => now,
    agentTimeoutMs: 3_000,
    unknownGraceMs: GRACE_MS,
    delayRetry: async () => undefined,
  });
  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  async function customerSays(db: Db, body: string) {
    await processEntries(db, [
      messagesEntry({
        phoneNumberId: PHONE,
        wabaId: WABA,
        messages: [textMessage({ from: CUSTOMER, body })],
      }),
    ]);
  }
  /** Meta's status webhook for a message the sandbox took, through the real processor. */
  async function statusArrives(wamid: string, bizOpaque: string, state = 'sent') {
    await processEntries(t.db, [
      messagesEntry({
        phoneNumberId: PHONE,
        wabaId: WABA,
        statuses: [status({ id: wamid, status: state, recipientId: CUSTOMER, bizOpaque })],
      }),
    ]);
  }
  const attempt = () => t.db.selectFrom('answer_attempts').selectAll().executeTakeFirstOrThrow();
  const tagOf = (m: { body: unknown }) =>
    (m.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data;

  it.each([
    ['the connection resets after the request left', { lose: 'reset' as const }],
    ['the answer times out after the request left', { lose: 'hang' as const }],
  ])('sends no second reply when %s', async (_label, fault) => {
    sandbox.fault(fault);
    await customerSays(t.db, 'hello?');
    const before = sandbox.messages().length;

    const first = await answerConversation(job(), deps({ timeoutMs: 300 }));
    const again = await answerConversation(job(), deps());
    later(GRACE_MS / 2);
    const stillWithinGrace = await answerConversation(job(), deps());

    expect(first).toMatchObject({ kind: 'unknown', recheckAt: expect.any(Date) });
    expect(again.kind).toBe('nothing');
    expect(stillWithinGrace).toMatchObject({ kind: 'nothing', recheckAt: expect.any(Date) });
    expect(sandbox.messages().length - before).toBe(1);
    const row = await attempt();
    expect(row).toMatchObject({ state: 'unknown', unknown_part: 0, resend_claimed_at: null });
    expect(tagOf(sandbox.messages().at(-1)!)).toBe(`answer:${row.id}:0`);
  });

  it('settles an unknown answer from the status webhook tagged answer:<attempt id>, and never re-sends it', async () => {
    sandbox.fault({ lose: 'reset' });
    await customerSays(t.db, 'where is my order?');
    await answerConversation(job(), deps());
    const [sent] = sandbox.messages().slice(-1);
    const { id } = await attempt();

    await statusArrives(sent!.wamid, tagOf(sent!)!);
    later(GRACE_MS + 1_000);
    const afterGrace = await answerConversation(job(), deps());

    expect(await attempt()).toMatchObject({ id, state: 'sent', reply_wamids: [sent!.wamid] });
    expect(afterGrace).toEqual({ kind: 'nothing' });
    expect(sandbox.messages().filter((m) => tagOf(m) === `answer:${id}:0`)).toHaveLength(1);
  });

  it("ignores a status with another organization's tag", async () => {
    sandbox.fault({ lose: 'reset' });
    await customerSays(t.db, 'hi');
    await answerConversation(job(), deps());
    const { id } = await attempt();
    const other = await upsertOrganization(t.db, {
      name: 'Other',
      slug: 'other',
      phoneNumbers: [{ phoneNumberId: '999000111', wabaId: '999000222' }],
    });
    await processEntries(t.db, [
      messagesEntry({
        phoneNumberId: '999000111',
        wabaId: '999000222',
        statuses: [status({ id: 'wamid.forged', status: 'sent', bizOpaque: `answer:${id}:0` })],
      }),
    ]);

    expect(other.id).not.toBe(orgId);
    expect(await attempt()).toMatchObject({ state: 'unknown', status_part: null });
  });

  it('re-sends once after the grace period when no status came, even with two workers at once', async () => {
    sandbox.fault({ lose: 'hang' });
    await customerSays(t.db, 'anyone there?');
    await answerConversation(job(), deps({ timeoutMs: 300 }));
    const before = sandbox.messages().length;
    const { id } = await attempt();

    later(GRACE_MS + 1_000);
    const outcomes = await Promise.all([
      answerConversation(job(), deps()),
      answerConversation(job(), deps()),
    ]);
    later(GRACE_MS + 1_000);
    const third = await answerConversation(job(), deps());

    expect(outcomes).toEqual([{ kind: 'nothing' }, { kind: 'nothing' }]);
    expect(third).toEqual({ kind: 'nothing' });
    const resent = sandbox.messages().slice(before);
    expect(resent).toHaveLength(1);
    expect(tagOf(resent[0]!)).toBe(`answer:${id}:0`);
    expect(await attempt()).toMatchObject({
      state: 'sent',
      reply_wamids: [resent[0]!.wamid],
      resend_claimed_at: expect.any(Date),
    });
  });

  it('sends only the parts after the one a status proved, when the unknown part is not the last', async () => {
    const long = `${'word '.repeat(900)}\n\n${'more '.repeat(300)}`;
    await updateAgentConfig(t.db, orgId, { rules: [{ keywords: ['catalog'], reply: long }] });
    sandbox.fault({ lose: 'reset' });
    await customerSays(t.db, 'show me the catalog');
    const before = sandbox.messages().length;

    expect((await answerConversation(job(), deps())).kind).toBe('unknown');
    const [first] = sandbox.messages().slice(before);
    const { id } = await attempt();
    await statusArrives(first!.wamid, tagOf(first!)!, 'delivered');
    expect(await attempt()).toMatchObject({ state: 'unknown', status_part: 0 });
    later(GRACE_MS + 1_000);
    await answerConversation(job(), deps());
    await answerConversation(job(), deps());

    const sent = sandbox.messages().slice(before);
    expect(sent.map(tagOf)).toEqual([`answer:${id}:0`, `answer:${id}:1`]);
    expect(await attempt()).toMatchObject({
      state: 'sent',
      reply_wamids: sent.map((m) => m.wamid),
    });
  });

  it('counts a status that arrived before the worker recorded the unknown send', async () => {
    sandbox.fault({ lose: 'hang' });
    await customerSays(t.db, 'quick status');
    // The status webhook is processed while the worker still waits for Graph's answer.
    const pending = answerConversation(job(), deps({ timeoutMs: 1_500 }));
    await sandbox.waitForMessages(sandbox.messages().length + 1);
    const accepted = sandbox.messages().at(-1)!;
    await statusArrives(accepted.wamid, tagOf(accepted)!);
    const outcome = await pending;
    later(GRACE_MS + 1_000);
    const before = sandbox.messages().length;
    await answerConversation(job(), deps());

    expect(outcome.kind).toBe('unknown');
    expect(await attempt()).toMatchObject({ state: 'sent', status_wamid: accepted.wamid });
    expect(sandbox.messages()).toHaveLength(before);
  });

  it('refuses a placeholder token: the job stays in the queue, nothing is claimed or marked failed, an error is logged', async () => {
    await customerSays(t.db, 'hello');
    const record = jobRecord(JSON.stringify(job()), { queue: 'answer' });
    const before = sandbox.messages().length;

    const result = await processAnswerJobs(
      { Records: [record] },
      deps({ token: GRAPH_TOKEN_PLACEHOLDER }),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(sandbox.messages()).toHaveLength(before);
    expect(await t.db.selectFrom('answer_attempts').selectAll().execute()).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 50, event: 'answer-not-sent', reason: 'graph-token' }),
    );
    // Once the secret holds a real token, the same job answers.
    const fixed = await processAnswerJobs({ Records: [record] }, deps());
    expect(fixed.batchItemFailures).toEqual([]);
    expect(sandbox.messages()).toHaveLength(before + 1);
  });

  /** A secret whose cached value is `cached` until a re-read finds `stored`. */
  function secret(cached: string, stored: string) {
    const source = {
      rereads: 0,
      current: async () => cached,
      reread: async () => {
        source.rereads += 1;
        cached = stored;
        return stored;
      },
    };
    return source;
  }

  it('re-reads the token after a 190 and answers with the new one', async () => {
    await customerSays(t.db, 'hello');
    const token = secret('expired', 'token');

    const outcome = await answerConversation(job(), deps({ token }));

    expect(outcome.kind).toBe('answered');
    expect(token.rereads).toBe(1);
  });

  it('keeps the job when the re-read token is refused too', async () => {
    await customerSays(t.db, 'hello');
    const token = secret('expired', 'expired');
    const record = jobRecord(JSON.stringify(job()), { queue: 'answer' });

    const result = await processAnswerJobs({ Records: [record] }, deps({ token }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    // Once per refused request: the mark-read, then the reply.
    expect(token.rereads).toBe(2);
    const unanswered = await t.db
      .selectFrom('messages')
      .select('answer_attempt_id')
      .where('direction', '=', 'inbound')
      .execute();
    expect(unanswered).toEqual([{ answer_attempt_id: null }]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, event: 'answer-not-sent' }));
  });
});
