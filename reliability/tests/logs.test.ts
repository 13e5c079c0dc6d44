import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAgentConfig, updateAgentConfig, upsertKnowledge } from '@waba/db';
import { createLogger, metaEscape, signPayload } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  until,
  type TestDatabase,
  startFakeOpenAi,
  type FakeOpenAi,
} from '@waba/testing';
import { loadConfig } from '../../local/src/config';
import { startStack, type Stack } from '../../local/src/stack';
import { countInputs } from './helpers/runs';

const SECRETS = {
  WHATSAPP_APP_SECRET: 'zqAPPSECRETcanary01',
  WHATSAPP_APP_SECRET_PREVIOUS: 'zqPREVSECRETcanary02',
  WHATSAPP_VERIFY_TOKEN: 'zqVERIFYTOKENcanary03',
  WHATSAPP_ACCESS_TOKEN: 'zqACCESSTOKENcanary04',
  OPENAI_API_KEY: 'sk-zqOPENAIKEYcanary05',
};
const CONTENT = {
  profileName: 'zqPROFILENAMEcanary',
  knowledge: 'zqKNOWLEDGEcanary delivery takes two days',
  reply: 'zqREPLYcanary',
  // JSON.parse quotes the first 10 characters of what it cannot parse.
  plainTextReply: 'zqPLAIN: yes, it is on its way',
};
const body = (n: number) => `zqBODYcanary${n} where is my delivery?`;

describe('logs at info level over a whole pipeline run', () => {
  let t: TestDatabase;
  let stack: Stack;
  let llm: FakeOpenAi;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    llm = await startFakeOpenAi();
    const dir = mkdtempSync(join(tmpdir(), 'waba-logs-'));
    const { config } = loadConfig({
      ...SECRETS,
      PORT: '0',
      DATABASE_URL: t.url,
      STACK_STATE_FILE: join(dir, 'stack.json'),
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_MODEL: 'fake-model',
      INGEST_BATCHING_WINDOW_SECONDS: '0',
    });
    // The production logger (redaction paths and all), writing to memory instead of stdout.
    const logger = createLogger('pipeline', {
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    stack = await startStack(config, logger);
    const org = await stack.db
      .selectFrom('organizations')
      .select('id')
      .where('slug', '=', 'default')
      .executeTakeFirstOrThrow();
    await getAgentConfig(stack.db, org.id);
    await updateAgentConfig(stack.db, org.id, { debounce_seconds: 0 });
    await upsertKnowledge(stack.db, org.id, 'faq', [
      { title: 'Delivery', body: CONTENT.knowledge },
    ]);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await llm?.close();
    await t?.destroy();
  });

  const post = (raw: string, secret: string | null) =>
    fetch(`${stack.url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-hub-signature-256': signPayload(raw, secret) }),
      },
      body: raw,
    });
  const customerSays = async (from: string, texts: string[], id?: string) => {
    const raw = metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [
            messagesEntry({
              contacts: [{ profile: { name: CONTENT.profileName }, wa_id: from }],
              messages: texts.map((b) => textMessage({ from, body: b, id })),
            }),
          ],
        }),
      ),
    );
    return (await post(raw, SECRETS.WHATSAPP_APP_SECRET)).status;
  };
  const repliedTo = (to: string) =>
    until(() => stack.sandbox!.messages().find((m) => m.to === to), 30_000);
  const logged = (msg: string) =>
    until(() => lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === msg), 30_000);

  it('carry no access token, app secret, verify token, API key, message body or profile name', async () => {
    llm.behave({ reply: { messages: [CONTENT.reply] } });
    expect(await customerSays('5511900000001', [body(1), body(2)])).toBe(200);
    await repliedTo('5511900000001');

    // A model that answers plain text instead of JSON: the fallback is sent.
    llm.behave({ content: CONTENT.plainTextReply });
    expect(await customerSays('5511900000002', [body(3)])).toBe(200);
    await repliedTo('5511900000002');

    llm.behave({ status: 500 });
    expect(await customerSays('5511900000003', [body(4)])).toBe(200);
    await repliedTo('5511900000003');

    llm.behave({ reply: { messages: [CONTENT.reply] } });
    stack.sandbox!.fault({ code: 131047, httpStatus: 400, to: '5511900000004' });
    expect(await customerSays('5511900000004', [body(5)])).toBe(200);
    await logged('answer not sent (permanent error)');

    stack.sandbox!.fault({ code: 2, httpStatus: 503, to: '5511900000005' });
    expect(await customerSays('5511900000005', [body(6)])).toBe(200);
    await logged('answer job will be retried');

    // Sent, but the answer is lost: the outcome is unknown until its status webhook comes.
    stack.sandbox!.fault({ lose: 'reset', to: '5511900000007' });
    expect(await customerSays('5511900000007', [body(10)])).toBe(200);
    await logged(
      'answer send outcome unknown: waiting for its status webhook, re-sent once after the grace period',
    );

    const rejected = `{"object":"whatsapp_business_account","entry":"${body(7)}"}`;
    expect((await post(rejected, null)).status).toBe(401);
    expect((await post(`${body(8)} is not JSON`, SECRETS.WHATSAPP_APP_SECRET)).status).toBe(400);
    expect((await post(rejected, SECRETS.WHATSAPP_APP_SECRET)).status).toBe(200);
    // An identifier Postgres cannot index: the webhook is kept as rejected.
    const tooLong = `wamid.${randomBytes(8000).toString('base64')}`;
    expect(await customerSays('5511900000006', [body(9)], tooLong)).toBe(200);
    await logged('record kept as rejected: its data cannot be stored');
    // The replies' sent/delivered/read webhooks came back through the receiver.
    await until(
      () =>
        stack.db
          .selectFrom('messages')
          .select('id')
          .where('status', '=', 'read')
          .executeTakeFirst(),
      30_000,
    );

    const text = lines.join('');
    const forbidden = [
      ...Object.values(SECRETS),
      ...Object.values(CONTENT),
      'zqBODYcanary',
      'zqPLAIN',
    ];
    const leaks = forbidden.filter((f) => text.includes(f));
    const leakingLines = lines.filter((l) => forbidden.some((f) => l.includes(f)));
    expect({ leaks, leakingLines }).toEqual({ leaks: [], leakingLines: [] });

    // The run did go through the paths that log: receipt, errors, answers.
    const messages = new Set(lines.map((l) => (JSON.parse(l) as { msg: string }).msg));
    for (const expected of [
      'webhook enqueued',
      'webhook rejected',
      'answered',
      'agent failed, sending the fallback',
      'answer not sent (permanent error)',
      'answer job will be retried',
      'batch write failed, isolating records',
      'record kept as rejected: its data cannot be stored',
    ])
      expect(messages).toContain(expected);
    expect(lines.every((l) => (JSON.parse(l) as { level: number }).level >= 30)).toBe(true);
    countInputs('logs-lines', lines.length, { messages: [...messages] });
  }, 120_000);
});
