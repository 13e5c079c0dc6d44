import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sql } from 'kysely';
import pino from 'pino';
import { processSqsEvent } from '@waba/db-processor';
import {
  findContact,
  listSuppressions,
  setBotPaused,
  setOptOutKeywords,
  updateAgentConfig,
  upsertKnowledge,
  type Db,
} from '@waba/db';
import { createGraphClient, type AnswerJob } from '@waba/whatsapp';
import {
  buttonReplyMessage,
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  type TestDatabase,
  startTestSandbox,
  registerAnsweringOrganization,
  answerJob,
  type MetaSandbox,
  sqsEvent,
  sqsRecord,
  processorDeps,
  startFakeOpenAi,
  type FakeOpenAi,
  processEntries,
  DEFAULT_PHONE_NUMBER_ID as PHONE,
  DEFAULT_WABA_ID as WABA,
  createTestQueues,
  imageMessage,
  type TestQueues,
} from '@waba/testing';
import {
  agentFactory,
  answerConversation,
  IMAGE_ARCHIVE_WAIT_SECONDS,
  RetryLaterError,
  s3MediaReader,
  type AnswerDeps,
  type MediaReader,
} from '@waba/answer-worker';

const CUSTOMER = '5511987650000';

describe('answerConversation()', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let llm: FakeOpenAi;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ wabaId: WABA, accessToken: 'token' });
    llm = await startFakeOpenAi();
  });
  afterAll(async () => {
    await sandbox.close();
    await llm.close();
    await t.destroy();
  });
  beforeEach(async () => {
    await t.reset();
    sandbox.clearFaults();
    llm.requests.length = 0;
    llm.behave({ reply: { messages: ['Hello from the model'] } });
    orgId = await registerAnsweringOrganization(t.db, { phoneNumberId: PHONE, wabaId: WABA });
  });

  const job = (contactWaId = CUSTOMER): AnswerJob => answerJob(orgId, PHONE, contactWaId);
  const deps = (openai = false): AnswerDeps => ({
    db: t.db,
    graph: createGraphClient({ accessToken: 'token', baseUrl: sandbox.url }),
    agentFor: agentFactory(openai ? { apiKey: 'test-key', baseURL: llm.baseURL } : {}),
    logger: pino({ level: 'silent' }),
    clock: () => new Date(),
    agentTimeoutMs: 3_000,
  });
  let second = Math.floor(Date.now() / 1000);
  /**
   * Customer messages stored the way the pipeline stores them, each a second after the last
   * and never behind the clock: on a slow machine a reply stored at the worker's `now` must
   * still sort before the customer's next message.
   */
  async function customerSays(db: Db, ...texts: string[]) {
    const messages = texts.map((body) => {
      second = Math.max(second + 1, Math.ceil(Date.now() / 1000) + 1);
      return textMessage({ from: CUSTOMER, body, timestamp: String(second) });
    });
    const payload = webhookPayload({
      entries: [messagesEntry({ phoneNumberId: PHONE, wabaId: WABA, messages })],
    });
    await processSqsEvent(sqsEvent([sqsRecord(payload)]), processorDeps(db));
    return messages.map((m) => m.id);
  }
  const sentCount = (before: number) => sandbox.messages().length - before;

  it('answers three messages of a burst in one turn that saw all three, marked read with typing', async () => {
    const before = sandbox.messages().length;
    const reads = sandbox.reads().length;
    const wamids = await customerSays(t.db, 'hi', 'my order 42', 'is late');

    const outcome = await answerConversation(job(), deps(true));

    expect(outcome.kind).toBe('answered');
    expect(sentCount(before)).toBe(1);
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]!.messages.at(-1)!.content).toBe('hi\nmy order 42\nis late');
    expect(sandbox.reads().slice(reads)).toEqual([
      expect.objectContaining({ messageId: wamids[2], typing: true }),
    ]);
    const reply = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('direction', '=', 'outbound')
      .executeTakeFirstOrThrow();
    expect(reply).toMatchObject({
      body: 'Hello from the model',
      in_reply_to: wamids,
      contact_wa_id: CUSTOMER,
    });
  });

  it('answers once under a duplicate job and two workers at once', async () => {
    const before = sandbox.messages().length;
    await customerSays(t.db, 'hello?');

    const outcomes = await Promise.all([
      answerConversation(job(), deps()),
      answerConversation(job(), deps()),
    ]);
    const again = await answerConversation(job(), deps());

    expect(outcomes.map((o) => o.kind).sort()).toEqual(['answered', 'nothing']);
    expect(again.kind).toBe('nothing');
    expect(sentCount(before)).toBe(1);
  });

  it('never answers again messages claimed by an attempt that crashed between send and record', async () => {
    await customerSays(t.db, 'crash test');
    await sql`insert into answer_attempts (id, organization_id, phone_number_id, contact_id, state, answers_wamids)
      select gen_random_uuid(), ${orgId}, ${PHONE}, min(contact_id), 'sending', array_agg(wamid) from messages`.execute(
      t.db,
    );
    await sql`update messages set answer_attempt_id = (select id from answer_attempts limit 1)`.execute(
      t.db,
    );
    const before = sandbox.messages().length;

    expect((await answerConversation(job(), deps())).kind).toBe('nothing');
    expect(sentCount(before)).toBe(0);
  });

  it('sends the fallback text once when the model fails', async () => {
    llm.behave({ status: 500 });
    await updateAgentConfig(t.db, orgId, { fallback_text: 'Sorry, try again later.' });
    await customerSays(t.db, 'help');
    const before = sandbox.messages().length;

    const outcome = await answerConversation(job(), deps(true));
    await answerConversation(job(), deps(true));

    expect(outcome).toMatchObject({ kind: 'answered', agent: expect.stringMatching(/fallback$/) });
    expect(
      sandbox
        .messages()
        .slice(before)
        .map((m) => (m.body as { text: { body: string } }).text.body),
    ).toEqual(['Sorry, try again later.']);
  });

  it('records a permanent Graph error without retrying', async () => {
    sandbox.fault({ code: 131047, httpStatus: 400 });
    await customerSays(t.db, 'late reply');

    const outcome = await answerConversation(job(), deps());

    expect(outcome).toMatchObject({ kind: 'failed' });
    expect((await answerConversation(job(), deps())).kind).toBe('nothing');
    const attempt = await t.db.selectFrom('answer_attempts').selectAll().executeTakeFirstOrThrow();
    expect(attempt.state).toBe('failed');
    expect(attempt.error).toMatch(/131047|24|re-engage/i);
  });

  it.each([
    ['throughput 130429', { code: 130429, httpStatus: 400 }],
    ['pair rate 131056', { code: 131056, httpStatus: 400 }],
    ['service unavailable (code 2, HTTP 503)', { code: 2, httpStatus: 503 }],
  ])(
    'retries after a retryable Graph error (%s) and then answers exactly once',
    async (_name, fault) => {
      sandbox.fault(fault);
      await customerSays(t.db, 'retry me');
      const before = sandbox.messages().length;

      await expect(answerConversation(job(), deps())).rejects.toBeInstanceOf(RetryLaterError);
      const second = await answerConversation(job(), deps());
      const third = await answerConversation(job(), deps());

      expect([second.kind, third.kind]).toEqual(['answered', 'nothing']);
      expect(sentCount(before)).toBe(1);
    },
  );

  it('stays silent for numbers outside the allowed list', async () => {
    await updateAgentConfig(t.db, orgId, { allowed_numbers: ['5500000000000'] });
    await customerSays(t.db, 'hi');
    const before = sandbox.messages().length;

    expect(await answerConversation(job(), deps())).toEqual({
      kind: 'skipped',
      reason: 'not an allowed number',
    });
    expect(sentCount(before)).toBe(0);
  });

  it('rate-limits a contact: one polite notice, then silence', async () => {
    await updateAgentConfig(t.db, orgId, {
      rate_limit_count: 1,
      rate_limit_window_seconds: 3600,
      rate_limit_notice: 'Please wait a moment.',
    });
    const before = sandbox.messages().length;

    await customerSays(t.db, 'one');
    const first = await answerConversation(job(), deps());
    await customerSays(t.db, 'two');
    const second = await answerConversation(job(), deps());
    await customerSays(t.db, 'three');
    const third = await answerConversation(job(), deps());

    expect([first.kind, second.kind, third]).toEqual([
      'answered',
      'answered',
      { kind: 'skipped', reason: 'rate limited' },
    ]);
    const texts = sandbox
      .messages()
      .slice(before)
      .map((m) => (m.body as { text: { body: string } }).text.body);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toBe('Please wait a moment.');
  });

  it.each([
    ['a rate-limit notice', { rate_limit_count: 1 }, ['one', 'two'], 'Please wait a moment.'],
    ['a handoff notice', {}, ['I want a human'], 'A person will reply.'],
  ])(
    'sends %s exactly once when its first send must be retried',
    async (_name, config, texts, notice) => {
      await updateAgentConfig(t.db, orgId, {
        ...config,
        rate_limit_notice: 'Please wait a moment.',
        handoff_notice: 'A person will reply.',
      });
      for (const text of texts.slice(0, -1)) {
        await customerSays(t.db, text);
        await answerConversation(job(), deps());
      }
      await customerSays(t.db, texts.at(-1)!);
      sandbox.fault({ code: 130429, httpStatus: 400 });
      const before = sandbox.messages().length;

      await expect(answerConversation(job(), deps())).rejects.toBeInstanceOf(RetryLaterError);
      await answerConversation(job(), deps());
      await answerConversation(job(), deps());

      expect(
        sandbox
          .messages()
          .slice(before)
          .map((m) => (m.body as { text: { body: string } }).text.body),
      ).toEqual([notice]);
    },
  );

  it('hands off to a person on a keyword, stays quiet, and answers again after resume', async () => {
    const before = sandbox.messages().length;
    await customerSays(t.db, 'I want to talk to a human');
    const handoff = await answerConversation(job(), deps());
    await customerSays(t.db, 'hello?');
    const paused = await answerConversation(job(), deps());
    await setBotPaused(
      t.db,
      {
        organizationId: orgId,
        phoneNumberId: PHONE,
        contactId: (await findContact(t.db, orgId, { waId: CUSTOMER }))!.id,
      },
      false,
    );
    await customerSays(t.db, 'back again');
    const resumed = await answerConversation(job(), deps());

    expect([handoff.kind, paused, resumed.kind]).toEqual([
      'answered',
      { kind: 'skipped', reason: 'handed off to a person' },
      'answered',
    ]);
    expect(sentCount(before)).toBe(2);
  });

  it('opts a contact out on STOP and back in on START, with the confirmation instead of an answer', async () => {
    const before = sandbox.messages().length;
    const suppressed = () => listSuppressions(t.db, orgId);
    await customerSays(t.db, 'hi', 'Stop!');
    const stop = await answerConversation(job(), deps());
    const afterStop = await suppressed();
    await customerSays(t.db, "don't stop me now");
    const sentence = await answerConversation(job(), deps());
    await customerSays(t.db, 'START');
    const start = await answerConversation(job(), deps());

    expect([stop, sentence, start].map((o) => o.kind)).toEqual([
      'answered',
      'answered',
      'answered',
    ]);
    expect(afterStop).toEqual([
      expect.objectContaining({ wa_id: CUSTOMER, source: 'keyword', detail: 'STOP' }),
    ]);
    expect(await suppressed()).toEqual([]);
    const replies = sandbox.messages().slice(before);
    expect(replies).toHaveLength(3);
    expect(JSON.stringify(replies[0]!.body)).toContain("You won't receive marketing messages");
    expect(JSON.stringify(replies[1]!.body)).not.toContain('marketing messages');
    expect(JSON.stringify(replies[2]!.body)).toContain(
      'You will receive our marketing messages again',
    );
    const kinds = await t.db
      .selectFrom('answer_attempts')
      .select('kind')
      .orderBy('created_at')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(['opt-out', 'answer', 'opt-in']);
  });

  it("uses the organization's own keywords and confirmation for a language", async () => {
    await setOptOutKeywords(t.db, orgId, {
      language: 'es',
      action: 'stop',
      keywords: ['no más'],
      reply: 'Listo, sin promociones.',
    });
    const before = sandbox.messages().length;
    await customerSays(t.db, 'NO MAS');

    expect((await answerConversation(job(), deps())).kind).toBe('answered');

    expect(JSON.stringify(sandbox.messages().slice(before)[0]!.body)).toContain(
      'Listo, sin promociones.',
    );
    expect((await listSuppressions(t.db, orgId)).map((s) => s.detail)).toEqual(['no más']);
  });

  it('splits a long reply and clamps reply buttons to WhatsApp limits', async () => {
    const long = `${'word '.repeat(900)}\n\n${'more '.repeat(300)}`;
    const buttons = [1, 2, 3, 4].map((i) => ({
      id: `b${i}`,
      title: `A very long button title number ${i}`,
    }));
    await updateAgentConfig(t.db, orgId, {
      rules: [{ keywords: ['catalog'], reply: long, buttons }],
    });
    await customerSays(t.db, 'show me the catalog');
    const before = sandbox.messages().length;

    await answerConversation(job(), deps());

    const sent = sandbox.messages().slice(before);
    // 4,500 + 1,500 characters: two texts; the buttons go alone, as the last part is over
    // the 1,024 characters an interactive body may hold.
    expect(sent.map((m) => m.type)).toEqual(['text', 'text', 'interactive']);
    for (const m of sent.slice(0, 2))
      expect((m.body as { text: { body: string } }).text.body.length).toBeLessThanOrEqual(4096);
    const interactive = (
      sent[2]!.body as { interactive: { action: { buttons: Array<{ reply: { title: string } }> } } }
    ).interactive;
    expect(interactive.action.buttons).toHaveLength(3);
    for (const b of interactive.action.buttons)
      expect([...b.reply.title].length).toBeLessThanOrEqual(20);
  });

  it('routes a reply-button press by its id in the rules agent', async () => {
    await updateAgentConfig(t.db, orgId, {
      rules: [{ buttonIds: ['track'], reply: 'Your order is on its way.' }],
    });
    await processEntries(t.db, [
      messagesEntry({
        phoneNumberId: PHONE,
        wabaId: WABA,
        messages: [buttonReplyMessage({ from: CUSTOMER, buttonId: 'track', title: 'Track' })],
      }),
    ]);
    const before = sandbox.messages().length;

    await answerConversation(job(), deps());

    expect((sandbox.messages()[before]!.body as { text: { body: string } }).text.body).toBe(
      'Your order is on its way.',
    );
  });

  it('gives the model exactly the configured number of history turns', async () => {
    await updateAgentConfig(t.db, orgId, { history_turns: 2 });
    for (const text of ['first', 'second', 'third']) {
      await customerSays(t.db, text);
      await answerConversation(job(), deps(true));
    }
    llm.requests.length = 0;
    await customerSays(t.db, 'fourth');

    await answerConversation(job(), deps(true));

    const messages = llm.requests[0]!.messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages.slice(1).map((m) => m.content)).toEqual([
      'third',
      'Hello from the model',
      'fourth',
    ]);
  });

  it('retrieves matching knowledge for the rules agent and for the model', async () => {
    await upsertKnowledge(t.db, orgId, 'faq.md', [
      { title: 'Opening hours', body: 'We open Monday to Friday, 9:00 to 18:00.' },
      { title: 'Returns', body: 'Returns are free within 30 days.' },
    ]);
    await customerSays(t.db, 'what are your opening hours?');
    const before = sandbox.messages().length;

    await answerConversation(job(), deps());
    expect((sandbox.messages()[before]!.body as { text: { body: string } }).text.body).toContain(
      'Monday to Friday',
    );

    await customerSays(t.db, 'and returns?');
    await answerConversation(job(), deps(true));
    expect(llm.requests.at(-1)!.messages[0]!.content).toContain('Returns are free within 30 days.');
  });

  it('redacts personal data before the model sees it', async () => {
    await updateAgentConfig(t.db, orgId, { pii_redaction: true });
    await customerSays(
      t.db,
      'I am ana@example.com, card 4111 1111 1111 1111, CPF 123.456.789-09, phone +55 11 98765-4321',
    );

    await answerConversation(job(), deps(true));

    const prompt = JSON.stringify(llm.requests[0]!.messages);
    for (const secret of ['ana@example.com', '4111 1111 1111 1111', '123.456.789-09', '98765-4321'])
      expect(prompt).not.toContain(secret);
    expect(llm.requests[0]!.messages.at(-1)!.content).toBe(
      'I am [email], card [card], CPF [document], phone [phone]',
    );
  });

  describe('an image message (its caption, and the archived image when asked)', () => {
    const CAPTION = 'here is my receipt';
    let q: TestQueues;
    let reads: string[];

    beforeAll(async () => {
      q = await createTestQueues();
    });
    beforeEach(() => {
      reads = [];
    });

    /** The S3 emulator's bucket as the answer worker reads it, each key read recorded. */
    const archive = (): MediaReader => {
      const s3 = s3MediaReader(q.s3, q.bucket);
      return {
        read: (key) => {
          reads.push(key);
          return s3.read(key);
        },
      };
    };
    const withImages = (agent: AnswerDeps['agentFor']): AnswerDeps => ({
      ...deps(),
      agentFor: agent,
      media: archive(),
    });
    const openAi = (model?: string) =>
      agentFactory({ apiKey: 'test-key', baseURL: llm.baseURL, model });

    /**
     * A customer's photo with a caption, stored by the processor and, when
     * `archived`, as the media archiver leaves it: the object in the bucket,
     * its media_objects row `stored`; `pendingSince`: its row still `pending`.
     */
    async function customerSendsPhoto(archived: boolean, pendingSince?: Date) {
      const mediaId = `media-${randomBytes(4).toString('hex')}`;
      const message = imageMessage({ from: CUSTOMER, caption: CAPTION, mediaId });
      const payload = webhookPayload({
        entries: [messagesEntry({ phoneNumberId: PHONE, wabaId: WABA, messages: [message] })],
      });
      await processSqsEvent(sqsEvent([sqsRecord(payload)]), processorDeps(t.db));
      const bytes = randomBytes(2048);
      const key = `media/${orgId}/2026/12/02/${mediaId}`;
      const row = await t.db
        .selectFrom('messages')
        .select('id')
        .where('wamid', '=', message.id)
        .executeTakeFirstOrThrow();
      const media = {
        organization_id: orgId,
        message_id: row.id,
        wamid: message.id,
        media_id: mediaId,
        media_type: 'image' as const,
        mime_type: 'image/jpeg',
        sha256: null,
      };
      if (pendingSince)
        await t.db
          .insertInto('media_objects')
          .values({ ...media, state: 'pending', created_at: pendingSince })
          .execute();
      /** The archiver's work: the object in the bucket, its row `stored`. */
      const archive = async () => {
        await q.s3.send(new PutObjectCommand({ Bucket: q.bucket, Key: key, Body: bytes }));
        await t.db
          .insertInto('media_objects')
          .values({ ...media, bytes: bytes.length, s3_key: key, state: 'stored' })
          .onConflict((oc) =>
            oc.columns(['organization_id', 'media_id']).doUpdateSet({
              bytes: bytes.length,
              s3_key: key,
              state: 'stored',
            }),
          )
          .execute();
      };
      if (archived) await archive();
      return { bytes, key: archived ? key : null, archive };
    }
    const imageTurn = (bytes: Buffer) => [
      { type: 'text', text: CAPTION },
      {
        type: 'image_url',
        image_url: { url: `data:image/jpeg;base64,${bytes.toString('base64')}` },
      },
    ];
    const lastTurn = () => llm.requests.at(-1)!.messages.at(-1)!.content;

    it('image input on, a model that takes images: the caption and the archived bytes as a data URL', async () => {
      await updateAgentConfig(t.db, orgId, { image_input: true });
      const { bytes, key } = await customerSendsPhoto(true);

      const outcome = await answerConversation(job(), withImages(openAi()));

      expect(outcome.kind).toBe('answered');
      expect(reads).toEqual([key]);
      expect(lastTurn()).toEqual(imageTurn(bytes));
    });

    it('an image still being archived puts the answer off; once stored, the model gets it', async () => {
      await updateAgentConfig(t.db, orgId, { image_input: true });
      const before = sandbox.messages().length;
      const { bytes, archive } = await customerSendsPhoto(false, new Date());

      await expect(answerConversation(job(), withImages(openAi()))).rejects.toBeInstanceOf(
        RetryLaterError,
      );
      expect(llm.requests).toHaveLength(0);
      expect(sentCount(before)).toBe(0);

      await archive();
      const outcome = await answerConversation(job(), withImages(openAi()));

      expect(outcome.kind).toBe('answered');
      expect(lastTurn()).toEqual(imageTurn(bytes));
      expect(sentCount(before)).toBe(1);
    });

    it('an image pending for longer than the wait: answered on its caption', async () => {
      await updateAgentConfig(t.db, orgId, { image_input: true });
      await customerSendsPhoto(false, new Date(Date.now() - 2 * IMAGE_ARCHIVE_WAIT_SECONDS * 1000));

      const outcome = await answerConversation(job(), withImages(openAi()));

      expect(outcome.kind).toBe('answered');
      expect(lastTurn()).toBe(CAPTION);
    });

    it.each([
      ['image input off (the default)', false, undefined],
      ['a model without image input', true, 'gpt-3.5-turbo'],
    ])('%s: the caption alone, the archive not read', async (_, on, model) => {
      if (on) await updateAgentConfig(t.db, orgId, { image_input: true });
      await customerSendsPhoto(true);

      await answerConversation(job(), withImages(openAi(model)));

      expect(lastTurn()).toBe(CAPTION);
      expect(reads).toEqual([]);
    });

    it('an image the archiver never got (no media row): answered on its caption', async () => {
      await updateAgentConfig(t.db, orgId, { image_input: true });
      await customerSendsPhoto(false);

      const outcome = await answerConversation(job(), withImages(openAi()));

      expect(outcome.kind).toBe('answered');
      expect(lastTurn()).toBe(CAPTION);
    });

    it('the rules agent (no key) ignores the image and answers the caption', async () => {
      await updateAgentConfig(t.db, orgId, { image_input: true });
      await customerSendsPhoto(true);

      const outcome = await answerConversation(job(), withImages(agentFactory({})));

      expect(outcome).toMatchObject({ kind: 'answered', agent: 'rules' });
      expect(reads).toEqual([]);
      expect(llm.requests).toHaveLength(0);
    });
  });
});
