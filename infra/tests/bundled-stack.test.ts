import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { metaEscape } from '@waba/whatsapp';
import { messagesEntry, textMessage, webhookPayload } from '@waba/whatsapp/testing';
import { createTestDatabase, until, type TestDatabase, postSignedWebhook } from '@waba/testing';
import { runCli } from '../../local/src/cli';
import { loadConfig } from '../../local/src/config';
import { startStack, type Stack } from '../../local/src/stack';
import { buildBundles } from '../lib/build-bundles';
import { repoPath } from '../lib/paths';

const SECRET = 'bundle-app-secret';
const CUSTOMER = '5511976543210';

/** The local stack with its receiver, processor and answer worker run from `bundleDir`. */
async function startBundledStack(t: TestDatabase, bundleDir: string): Promise<Stack> {
  const { config } = loadConfig({
    PORT: '0',
    DATABASE_URL: t.url,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bundle-verify-token',
    STACK_STATE_FILE: process.env.STACK_STATE_FILE,
    INGEST_BATCHING_WINDOW_SECONDS: '0',
    // Bodies above 8 KiB go to S3: the claim check runs through the bundles too.
    SQS_MAX_MESSAGE_BYTES: '8192',
    LOG_LEVEL: 'silent',
    LOCAL_HANDLERS: 'bundle',
    LOCAL_BUNDLE_DIR: bundleDir,
  });
  return startStack(config, pino({ level: 'silent' }));
}

async function postWebhook(stack: Stack, body: string): Promise<Response> {
  const raw = metaEscape(
    JSON.stringify(
      webhookPayload({
        entries: [messagesEntry({ messages: [textMessage({ from: CUSTOMER, body })] })],
      }),
    ),
  );
  return postSignedWebhook(`${stack.url}/webhook`, raw, SECRET);
}

describe('the local stack on the bundles the CDK app deploys', () => {
  let t: TestDatabase;
  let stack: Stack;
  let bundleDir: string;
  const savedStateFile = process.env.STACK_STATE_FILE;

  beforeAll(async () => {
    // Inside the repository (dist/ is ignored), as the CDK's assets are: the bundles leave
    // @aws-sdk/* to the runtime, and resolve it from node_modules as Lambda's runtime provides it.
    mkdirSync(repoPath('dist'), { recursive: true });
    bundleDir = mkdtempSync(repoPath('dist', 'bundles-test-'));
    await buildBundles(bundleDir, ['receiver', 'processor', 'answerWorker']);
    process.env.STACK_STATE_FILE = join(mkdtempSync(join(tmpdir(), 'waba-bundled-')), 'stack.json');
    t = await createTestDatabase();
    stack = await startBundledStack(t, bundleDir);
    await runCli(['agent', 'set', '--org', 'default', '--debounce', '0'], () => undefined);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
    rmSync(bundleDir, { recursive: true, force: true });
    process.env.STACK_STATE_FILE = savedStateFile;
  });

  it('a signed webhook in, through the bundled receiver, processor and answer worker: a row and a reply out', async () => {
    const response = await postWebhook(stack, 'hello from a bundle');

    expect(response.status).toBe(200);
    const row = await until(() =>
      stack.db
        .selectFrom('messages')
        .select(['direction', 'body', 'contact_wa_id'])
        .where('body', '=', 'hello from a bundle')
        .executeTakeFirst(),
    );
    expect(row).toEqual({
      direction: 'inbound',
      body: 'hello from a bundle',
      contact_wa_id: CUSTOMER,
    });
    const [reply] = await until(
      () => stack.sandbox!.messages().length > 0 && stack.sandbox!.messages(),
    );
    expect(reply).toMatchObject({ to: CUSTOMER, type: 'text' });
    // The reply is recorded as the outbound message its status webhooks update.
    await until(() =>
      stack.db
        .selectFrom('messages')
        .select('wamid')
        .where('wamid', '=', reply!.wamid)
        .where('direction', '=', 'outbound')
        .executeTakeFirst(),
    );
    // Every step ran in a bundle's execution environment, not in this process.
    const bundles = stack.bundles!;
    expect(bundles.receiver.stats().invocations).toBeGreaterThanOrEqual(1);
    expect(bundles.processor.stats().invocations).toBeGreaterThanOrEqual(1);
    expect(bundles.answerWorker.stats().invocations).toBeGreaterThanOrEqual(1);
  });

  it('a body too large for SQS goes to S3 and back through the bundles (the SDK the runtime provides)', async () => {
    const long = `long ${'x'.repeat(10_000)}`;

    expect((await postWebhook(stack, long)).status).toBe(200);

    const row = await until(() =>
      stack.db.selectFrom('messages').select('body').where('body', '=', long).executeTakeFirst(),
    );
    expect(row.body).toHaveLength(long.length);
  });
});
