import pino from 'pino';
import { processSqsEvent } from '@waba/db-processor';
import { updateAgentConfig } from '@waba/db';
import { createGraphClient, type AnswerJob } from '@waba/whatsapp';
import {
  ALL_MESSAGE_TYPES,
  messagesEntry,
  textMessage,
  unsupportedMessage,
  webhookPayload,
  type RawWebhookEntry,
  createTestDatabase,
  type TestDatabase,
  startTestSandbox,
  registerAnsweringOrganization,
  answerJob,
  type MetaSandbox,
  processorDeps,
  recordingAnswerQueue,
  sqsEvent,
  sqsRecord,
  DEFAULT_PHONE_NUMBER_ID as PHONE,
  DEFAULT_WABA_ID as WABA,
  DEFAULT_DISPLAY_PHONE_NUMBER as DISPLAY,
} from '@waba/testing';
import {
  agentFactory,
  answerConversation,
  UNSUPPORTED_NOTICE,
  type AnswerDeps,
} from '@waba/answer-worker';

/**
 * Issue 12, point 7: the bot answers conversation turns only. The processor
 * schedules no answer for anything else, and the worker never answers it
 * when a turn of the same conversation is answered.
 */
const CUSTOMER = '5511987650000';
const DAY_MS = 24 * 60 * 60 * 1000;

const ANSWERED = new Set([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'order',
  'unsupported',
]);

describe('what starts an answer', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let orgId: string;
  let second = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ wabaId: WABA, accessToken: 'token' });
  });
  afterAll(async () => {
    await sandbox.close();
    await t.destroy();
  });
  beforeEach(async () => {
    await t.reset();
    orgId = await registerAnsweringOrganization(t.db, { phoneNumberId: PHONE, wabaId: WABA });
  });

  const job = (): AnswerJob => answerJob(orgId, PHONE, CUSTOMER);
  const deps = (clock = () => new Date()): AnswerDeps => ({
    db: t.db,
    graph: createGraphClient({ accessToken: 'token', baseUrl: sandbox.url }),
    agentFor: agentFactory({}),
    logger: pino({ level: 'silent' }),
    clock,
    agentTimeoutMs: 3_000,
  });
  const deliver = async (entries: RawWebhookEntry[]) => {
    const answers = recordingAnswerQueue();
    const result = await processSqsEvent(
      sqsEvent([sqsRecord(webhookPayload({ entries }))]),
      processorDeps(t.db, { answers }),
    );
    expect(result.batchItemFailures).toEqual([]);
    return answers.jobs;
  };
  const customerSends = (...messages: Record<string, unknown>[]) =>
    deliver([
      messagesEntry({
        phoneNumberId: PHONE,
        wabaId: WABA,
        messages: messages.map((m) => ({
          ...m,
          from: CUSTOMER,
          id: `wamid.${CUSTOMER}.${++second}`,
          timestamp: String(second),
        })),
      }),
    ]);
  const sentTexts = (before: number) =>
    sandbox
      .messages()
      .slice(before)
      .map((m) => (m.body as { text?: { body?: string } }).text?.body);

  it.each(ALL_MESSAGE_TYPES.map((f) => [f.name, f] as const))(
    'a %s message schedules an answer only if it is a conversation turn',
    async (_name, fixture) => {
      const jobs = await customerSends(fixture.message);
      expect(jobs.length).toBe(ANSWERED.has(fixture.type) ? 1 : 0);
    },
  );

  it('edits and revokes of a customer message schedule no answer', async () => {
    const [first] = await customerSends(textMessage({ body: 'hello' }));
    expect(first).toBeDefined();
    const original = `wamid.${CUSTOMER}.${second}`;
    const jobs = await customerSends(
      {
        type: 'edit',
        edit: { original_message_id: original, message: { type: 'text', text: { body: 'hi' } } },
      },
      { type: 'revoke', revoke: { original_message_id: original } },
    );
    expect(jobs).toEqual([]);
  });

  it('echoes and history schedule nothing, and the worker never answers history', async () => {
    const metadata = { display_phone_number: DISPLAY, phone_number_id: PHONE };
    const jobs = await deliver([
      {
        id: WABA,
        changes: [
          {
            field: 'history',
            value: {
              messaging_product: 'whatsapp',
              metadata,
              history: [
                {
                  metadata: { phase: 0, chunk_order: 1, progress: 100 },
                  threads: [
                    {
                      id: CUSTOMER,
                      messages: [{ ...textMessage({ body: 'an old question' }), from: CUSTOMER }],
                    },
                  ],
                },
              ],
            },
          },
          {
            field: 'smb_message_echoes',
            value: {
              messaging_product: 'whatsapp',
              metadata,
              message_echoes: [
                { ...textMessage({ body: 'sent from the app' }), from: DISPLAY, to: CUSTOMER },
              ],
            },
          },
        ],
      } as unknown as RawWebhookEntry,
    ]);
    expect(jobs).toEqual([]);
    expect(await answerConversation(job(), deps())).toEqual({ kind: 'nothing' });

    // A live turn afterwards is answered alone: the history message stays unclaimed.
    await customerSends(textMessage({ body: 'a new question' }));
    const outcome = await answerConversation(job(), deps());
    expect(outcome.kind).toBe('answered');
    const history = await t.db
      .selectFrom('messages')
      .select(['source', 'answer_attempt_id'])
      .where('direction', '=', 'inbound')
      .orderBy('id')
      .execute();
    expect(history).toEqual([
      { source: 'history', answer_attempt_id: null },
      { source: 'cloud_api', answer_attempt_id: expect.any(String) },
    ]);
  });

  it('an unsupported message gets one polite notice per contact and 24 h window', async () => {
    const before = sandbox.messages().length;
    // The real time, moved forward by the test: the debounce compares it with the rows' created_at.
    let ahead = 0;
    const clock = () => new Date(Date.now() + ahead);

    await customerSends(unsupportedMessage());
    expect((await answerConversation(job(), deps(clock))).kind).toBe('answered');
    await customerSends(unsupportedMessage());
    expect(await answerConversation(job(), deps(clock))).toEqual({
      kind: 'skipped',
      reason: 'unsupported message, already noticed',
    });
    expect(sentTexts(before)).toEqual([UNSUPPORTED_NOTICE]);

    ahead += DAY_MS + 60_000;
    await customerSends(unsupportedMessage());
    expect((await answerConversation(job(), deps(clock))).kind).toBe('answered');
    expect(sentTexts(before)).toEqual([UNSUPPORTED_NOTICE, UNSUPPORTED_NOTICE]);
  });

  it("sends the organization's own unsupported notice, still once per window", async () => {
    const notice = 'Desculpe, só consigo ler texto, fotos e áudios.';
    await updateAgentConfig(t.db, orgId, { unsupported_notice: notice });
    const before = sandbox.messages().length;

    await customerSends(unsupportedMessage());
    expect((await answerConversation(job(), deps())).kind).toBe('answered');
    await customerSends(unsupportedMessage());
    expect((await answerConversation(job(), deps())).kind).toBe('skipped');

    expect(sentTexts(before)).toEqual([notice]);
    const reply = await t.db
      .selectFrom('messages')
      .select('body')
      .where('direction', '=', 'outbound')
      .executeTakeFirstOrThrow();
    expect(reply.body).toBe(notice);
  });
});
