import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import { metaEscape } from '@waba/whatsapp';
import {
  fromUsernameUser,
  messagesEntry,
  reactionMessage,
  systemMessage,
  textMessage,
  webhookPayload,
  type RawInboundMessage,
  createTestDatabase,
  until,
  type TestDatabase,
  startFakeOpenAi,
  type FakeOpenAi,
  postSignedWebhook,
  imageMessage,
  sandboxMediaBytes,
  sandboxMediaId,
  sandboxMediaSha256,
} from '@waba/testing';
import { runCli } from '../src/cli';
import { loadConfig } from '../src/config';
import { startStack, type Stack } from '../src/stack';

const SECRET = 'loop-secret';
const run = promisify(execFile);
const CUSTOMER = '5511912345678';

async function startLoopStack(t: TestDatabase, env: Record<string, string> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'waba-loop-'));
  process.env.STACK_STATE_FILE = join(dir, 'stack.json');
  const { config } = loadConfig({
    PORT: '0',
    DATABASE_URL: t.url,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: 't',
    STACK_STATE_FILE: process.env.STACK_STATE_FILE,
    INGEST_BATCHING_WINDOW_SECONDS: '0',
    ...env,
  });
  const stack = await startStack(config, pino({ level: 'silent' }));
  await runCli(['agent', 'set', '--org', 'default', '--debounce', '0'], () => undefined);
  return stack;
}

async function customerSays(
  stack: Stack,
  body: string,
  username?: { userId: string; username: string },
): Promise<number> {
  const messages = [textMessage({ from: CUSTOMER, body })];
  return customerSendsEntry(stack, username ? fromUsernameUser(messages, username) : { messages });
}

async function customerSends(stack: Stack, ...messages: RawInboundMessage[]): Promise<number> {
  return customerSendsEntry(stack, { messages });
}

async function customerSendsEntry(
  stack: Stack,
  entry: Parameters<typeof messagesEntry>[0],
): Promise<number> {
  const raw = metaEscape(JSON.stringify(webhookPayload({ entries: [messagesEntry(entry)] })));
  const started = performance.now();
  const response = await postSignedWebhook(`${stack.url}/webhook`, raw, SECRET);
  expect(response.status).toBe(200);
  return started;
}

const textOf = (m: { body: unknown }) => (m.body as { text?: { body: string } }).text?.body;

/**
 * A database and a loop stack of the describe's own, started before its tests
 * (with `env()` read then) and stopped after them.
 */
function useLoopStack(env: () => Record<string, string> = () => ({})): { stack: Stack } {
  const loop = {} as { stack: Stack; t?: TestDatabase };
  beforeAll(async () => {
    loop.t = await createTestDatabase();
    loop.stack = await startLoopStack(loop.t, env());
  });
  afterAll(async () => {
    await loop.stack?.stop();
    await loop.t?.destroy();
  });
  return loop;
}

describe('the bot loop on the local stack', () => {
  describe('with the built-in rules agent (no OpenAI key)', () => {
    const loop = useLoopStack();

    it('customer message → stored → answered in the sandbox → reply stored → its statuses stored', async () => {
      await customerSays(loop.stack, 'hello there');

      const [reply] = await until(
        () => loop.stack.sandbox!.messages().length > 0 && loop.stack.sandbox!.messages(),
      );
      expect(reply).toMatchObject({ to: CUSTOMER, type: 'text' });
      const row = await until(() =>
        loop.stack.db
          .selectFrom('messages')
          .selectAll()
          .where('wamid', '=', reply!.wamid)
          .where('status', '=', 'read')
          .executeTakeFirst(),
      );
      expect(row).toMatchObject({
        direction: 'outbound',
        body: textOf(reply!),
        read_at: expect.any(Date),
        delivered_at: expect.any(Date),
      });
      expect(row.in_reply_to).toHaveLength(1);
    });

    it('a customer known only by username writes, is answered by `recipient`, and the statuses come back to its thread', async () => {
      const user = { userId: 'US.13491208655302741918', username: '@realsheenanelson' };
      const before = loop.stack.sandbox!.messages().length;

      await customerSays(loop.stack, 'hello, no number here', user);

      const reply = await until(
        () =>
          loop.stack.sandbox!.messages().length > before && loop.stack.sandbox!.messages()[before],
      );
      expect(reply).toMatchObject({ to: user.userId, addressedBy: 'recipient', type: 'text' });
      expect(reply.body).not.toHaveProperty('to');
      const contact = await loop.stack.db
        .selectFrom('contacts')
        .selectAll()
        .where('user_id', '=', user.userId)
        .executeTakeFirstOrThrow();
      expect(contact).toMatchObject({ wa_id: null, username: user.username });
      // Its statuses carry recipient_user_id only, and find the reply and the contact.
      await until(() =>
        loop.stack.db
          .selectFrom('messages')
          .select('id')
          .where('wamid', '=', reply.wamid)
          .where('status', '=', 'read')
          .executeTakeFirst(),
      );
      const statuses = await loop.stack.db
        .selectFrom('message_status_events')
        .select(['status', 'recipient_id', 'recipient_user_id', 'contact_id'])
        .where('wamid', '=', reply.wamid)
        .orderBy('occurred_at')
        .orderBy('status', 'desc')
        .execute();
      expect(statuses.map((e) => e.status).sort()).toEqual(['delivered', 'read', 'sent']);
      for (const e of statuses)
        expect(e).toMatchObject({
          recipient_id: null,
          recipient_user_id: user.userId,
          contact_id: contact.id,
        });
      // One thread: the customer's message and the bot's reply, by contact.
      const thread = await loop.stack.db
        .selectFrom('messages')
        .select(['direction', 'body'])
        .where('contact_id', '=', contact.id)
        .orderBy('occurred_at')
        .execute();
      expect(thread).toEqual([
        { direction: 'inbound', body: 'hello, no number here' },
        { direction: 'outbound', body: textOf(reply) },
      ]);
    });

    it('`npm run send --username --user-id`: the same username customer writes again, is answered, and the statuses reach its one contact', async () => {
      const user = { userId: 'US.13491208655302741918', username: '@realsheenanelson' };
      const before = loop.stack.sandbox!.messages().length;

      // The operator's tool, as a user runs it against the running loop.stack.
      const root = join(__dirname, '..', '..');
      const { stdout } = await run(
        join(root, 'node_modules', '.bin', 'tsx'),
        [
          'local/src/send.ts',
          'text',
          'is',
          'it',
          'in',
          'stock?',
          '--username',
          user.username,
          '--user-id',
          user.userId,
          '--url',
          loop.stack.url,
        ],
        { cwd: root, env: { ...process.env, WHATSAPP_APP_SECRET: SECRET } },
      );
      expect(stdout).toContain('→ 200');

      const reply = await until(
        () =>
          loop.stack.sandbox!.messages().length > before && loop.stack.sandbox!.messages()[before],
      );
      expect(reply).toMatchObject({ to: user.userId, addressedBy: 'recipient' });
      const contacts = await loop.stack.db
        .selectFrom('contacts')
        .selectAll()
        .where('user_id', '=', user.userId)
        .execute();
      expect(contacts).toHaveLength(1);
      const contact = contacts[0]!;
      expect(contact).toMatchObject({ wa_id: null, username: user.username });
      const question = await loop.stack.db
        .selectFrom('messages')
        .select(['contact_id', 'contact_wa_id', 'contact_user_id', 'answer_attempt_id'])
        .where('body', '=', 'is it in stock?')
        .executeTakeFirstOrThrow();
      expect(question).toMatchObject({
        contact_id: contact.id,
        contact_wa_id: null,
        contact_user_id: user.userId,
        answer_attempt_id: expect.any(String),
      });
      // The sandbox posts sent → delivered → read with recipient_user_id only: all on the reply and its contact.
      const answered = await until(() =>
        loop.stack.db
          .selectFrom('messages')
          .selectAll()
          .where('wamid', '=', reply.wamid)
          .where('status', '=', 'read')
          .executeTakeFirst(),
      );
      expect(answered).toMatchObject({
        direction: 'outbound',
        contact_id: contact.id,
        contact_wa_id: null,
        contact_user_id: user.userId,
        delivered_at: expect.any(Date),
        read_at: expect.any(Date),
      });
      const statuses = await loop.stack.db
        .selectFrom('message_status_events')
        .select(['status', 'contact_id', 'recipient_id', 'recipient_user_id'])
        .where('wamid', '=', reply.wamid)
        .execute();
      expect(statuses.map((e) => e.status).sort()).toEqual(['delivered', 'read', 'sent']);
      expect(new Set(statuses.map((e) => e.contact_id))).toEqual(new Set([contact.id]));
      expect(
        statuses.every((e) => e.recipient_id === null && e.recipient_user_id === user.userId),
      ).toBe(true);
    });

    it('answers from knowledge imported with the CLI, and stays quiet while an operator has paused the bot', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'kb-')), 'faq.md');
      writeFileSync(
        file,
        '# Delivery times\nOrders arrive in 2 to 4 business days.\n\n# Payment\nWe accept cards and Pix.\n',
      );
      const out: string[] = [];
      await runCli(['knowledge', 'import', '--org', 'default', file], (l) => out.push(l));
      expect(out).toEqual([`imported 2 knowledge entries from ${file}`]);
      const before = loop.stack.sandbox!.messages().length;

      await customerSays(loop.stack, 'how long is delivery?');
      const answered = await until(
        () =>
          loop.stack.sandbox!.messages().length > before && loop.stack.sandbox!.messages()[before],
      );
      expect(textOf(answered)).toContain('2 to 4 business days');

      await runCli(
        ['handoff', 'pause', '--org', 'default', '--contact', CUSTOMER],
        () => undefined,
      );
      await customerSays(loop.stack, 'anyone?');
      await until(() =>
        loop.stack.db
          .selectFrom('answer_attempts')
          .select('id')
          .where('kind', '=', 'handoff')
          .where('state', '=', 'skipped')
          .executeTakeFirst(),
      );
      expect(loop.stack.sandbox!.messages()).toHaveLength(before + 1);
    });
  });

  describe('what the bot never answers', () => {
    const loop = useLoopStack();

    it('a reaction and a system notice start no answer; the next question is answered alone', async () => {
      const reaction = reactionMessage({ from: CUSTOMER, messageId: 'wamid.a-reply', emoji: '👍' });
      // The notice is a number change: the contact is re-keyed, and answered at its new number.
      const notice = systemMessage({ from: CUSTOMER, newWaId: '16505559999' });
      await customerSends(loop.stack, reaction, notice);
      await until(() =>
        loop.stack.db
          .selectFrom('message_reactions')
          .select('id')
          .where('wamid', '=', 'wamid.a-reply')
          .executeTakeFirst(),
      );
      const question = textMessage({ from: CUSTOMER, body: 'hello after the thumbs up' });
      await customerSends(loop.stack, question);

      const [reply] = await until(
        () => loop.stack.sandbox!.messages().length > 0 && loop.stack.sandbox!.messages(),
      );
      expect(reply).toMatchObject({ to: '16505559999' });
      const attempts = await loop.stack.db
        .selectFrom('answer_attempts')
        .select(['answers_wamids', 'state'])
        .execute();
      expect(attempts).toEqual([{ answers_wamids: [question.id], state: expect.any(String) }]);
      expect(loop.stack.sandbox!.messages()).toHaveLength(1);
    });
  });

  describe('with OPENAI_BASE_URL pointing at an OpenAI-compatible server', () => {
    let llm: FakeOpenAi;
    beforeAll(async () => {
      llm = await startFakeOpenAi();
      llm.behave({
        reply: {
          messages: ['Answer from the model'],
          buttons: [{ id: 'more', title: 'Tell me more' }],
        },
      });
    });
    const loop = useLoopStack(() => ({
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_MODEL: 'local-model',
      // The compatible server's model takes images.
      OPENAI_VISION_MODELS: 'local-model',
    }));
    afterAll(async () => {
      await llm?.close();
    });

    it('uses the model for the same loop', async () => {
      await customerSays(loop.stack, 'what do you sell?');

      const [reply] = await until(
        () => loop.stack.sandbox!.messages().length > 0 && loop.stack.sandbox!.messages(),
      );
      expect(reply!.type).toBe('interactive');
      expect(JSON.stringify(reply!.body)).toContain('Answer from the model');
      expect(llm.requests[0]!.model).toBe('local-model');
      expect(llm.requests[0]!.messages.at(-1)!.content).toBe('what do you sell?');
    });

    it('a photo with a caption, image input on: the model gets the caption and the photo the archiver stored', async () => {
      await runCli(['agent', 'set', '--org', 'default', '--images', 'on'], () => undefined);
      const before = llm.requests.length;
      const mediaId = sandboxMediaId();
      await customerSends(
        loop.stack,
        imageMessage({
          from: CUSTOMER,
          mediaId,
          sha256: sandboxMediaSha256(mediaId),
          caption: 'here is my receipt',
        }),
      );

      // Answered once the image is archived (the answer waits for it through the queue's retry).
      const request = await until(() => llm.requests[before], 45_000);
      const [text, image] = request.messages.at(-1)!.content as Array<{
        type: string;
        text?: string;
        image_url?: { url: string };
      }>;
      expect(text).toEqual({ type: 'text', text: 'here is my receipt' });
      expect(image!.image_url!.url).toMatch(/^data:image\/[a-z]+;base64,/);
      expect(image!.image_url!.url.split(',')[1]).toBe(
        sandboxMediaBytes(mediaId).toString('base64'),
      );
    }, 60_000);
  });
});
