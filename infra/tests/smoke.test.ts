import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { handler as maintenanceHandler } from '../../db/src/maintenance-handler';
import { loadConfig } from '../../local/src/config';
import { freePort } from '../../local/src/services/free-port';
import { startStack, type Stack } from '../../local/src/stack';
import { runSmokeCli } from '../smoke/cli';
import { SMOKE_PHONE_NUMBER_ID } from '../smoke/smoke-webhook';
import { repoPath } from '../lib/paths';
import { startFakeAws, type FakeAws } from './helpers/fake-aws';

const SECRET = 'smoke-app-secret';
const TOKEN = 'smoke-verify-token';
const REGION = 'us-east-1';
const APPS_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:WhatsappApps-AbCdEf';
const MAINTENANCE = 'Waba-dev-Maintenance1A2B3C4D-xyz';
const CREDENTIALS = { accessKeyId: 'AKIDSMOKETEST', secretAccessKey: 'smoke-test-secret-key' };

let t: TestDatabase;
let stack: Stack;
/** The local stack's default organization's number. */
let ownedPhoneNumberId: string;
let aws: FakeAws;
const savedDatabaseUrl = process.env.DATABASE_URL;

/** What `cdk deploy` leaves: the outputs the smoke test reads, pointing at the local stack. */
const outputs = (url: string) => ({
  WebhookUrl: `${url}/webhook`,
  WebhookUrlPerApp: `${url}/webhook/{appId}`,
  WhatsappAppsSecretArn: APPS_ARN,
  MaintenanceFunctionName: MAINTENANCE,
  PayloadBucketName: 'waba-payloads',
});
const appsSecret = (verifyToken = TOKEN) =>
  JSON.stringify({ default: { secrets: [SECRET], verifyToken } });

beforeAll(async () => {
  t = await createTestDatabase();
  const stateFile = join(mkdtempSync(join(tmpdir(), 'waba-smoke-')), 'stack.json');
  const { config } = loadConfig({
    PORT: '0',
    DATABASE_URL: t.url,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: TOKEN,
    STACK_STATE_FILE: stateFile,
    INGEST_BATCHING_WINDOW_SECONDS: '0',
  });
  ownedPhoneNumberId = config.phoneNumberId;
  stack = await startStack(config, pino({ level: 'silent' }));
  aws = await startFakeAws();
  // The real maintenance function's entry point, on the local stack's database.
  process.env.DATABASE_URL = t.url;
  aws.functions.set(MAINTENANCE, maintenanceHandler);
});
afterAll(async () => {
  process.env.DATABASE_URL = savedDatabaseUrl;
  await aws?.close();
  await stack?.stop();
  await t?.destroy();
});
beforeEach(() => {
  aws.stacks.set('Waba-dev', { status: 'CREATE_COMPLETE', outputs: outputs(stack.url) });
  aws.secrets.set(APPS_ARN, appsSecret());
});

/** The CLI in this process, its SDK clients pointed at the fake endpoint. */
async function smoke(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const code = await runSmokeCli(args, io, {
    aws: { endpoint: aws.endpoint, region: REGION, credentials: CREDENTIALS },
  });
  return { code, lines };
}

const auditCount = async () =>
  Number(
    (
      await t.db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('npm run smoke (against the local stack; CloudFormation, Secrets Manager and Lambda faked in their own protocols)', () => {
  it('passes every step through the real CLI and leaves one unrouted audit row and nothing else', async () => {
    const run = promisify(execFile);
    const before = await auditCount();

    const { stdout } = await run(
      process.execPath,
      [
        repoPath('node_modules/tsx/dist/cli.mjs'),
        repoPath('infra/smoke/cli.ts'),
        '--stage',
        'dev',
        '--timeout',
        '30',
      ],
      {
        cwd: repoPath(),
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: aws.endpoint,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_PROFILE: '',
        },
      },
    );

    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'PASS',
      'smoke',
    ]);
    expect(lines[4]).toMatch(
      new RegExp(
        `^PASS audit row +stored as unrouted .*no organization owns phone_number_id ${SMOKE_PHONE_NUMBER_ID}`,
      ),
    );
    expect(lines[5]).toBe('smoke test passed (stage dev, 5 steps)');
    expect(aws.calls).toEqual(
      expect.arrayContaining([
        'cloudformation DescribeStacks',
        'secretsmanager GetSecretValue',
        'lambda Invoke',
      ]),
    );
    const rows = await t.db
      .selectFrom('webhook_events')
      .select(['outcome', 'organization_id'])
      .orderBy('id')
      .execute();
    expect(rows.slice(before)).toEqual([{ outcome: 'unrouted', organization_id: null }]);
    // Nobody owns the smoke number: no contact, no message, no reply.
    expect(await t.db.selectFrom('messages').select('wamid').execute()).toEqual([]);
    expect(await t.db.selectFrom('contacts').select('wa_id').execute()).toEqual([]);
    expect(stack.sandbox!.messages()).toEqual([]);
  }, 60_000);

  it('fails at the challenge when the verify token is not the one the receiver knows, and posts nothing', async () => {
    aws.secrets.set(APPS_ARN, appsSecret('a-stale-token'));
    const before = await auditCount();

    const { code, lines } = await smoke('--stage', 'dev');

    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^PASS outputs/),
      expect.stringMatching(/^PASS apps secret/),
      expect.stringMatching(
        /^FAIL challenge +GET .*\/webhook answered 403: the receiver does not accept the verify token/,
      ),
      'SKIP webhook     not run',
      'SKIP audit row   not run',
      'smoke test FAILED at "challenge" (stage dev)',
    ]);
    expect(await auditCount()).toBe(before);
  });

  describe('fails when the callback URL answers 200 without echoing the challenge', () => {
    let wrong: Server;
    beforeAll(async () => {
      // A placeholder integration answering every GET with a fixed body.
      wrong = createServer((_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => wrong.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => wrong.close(() => resolve())));

    it('names the expected and the received body', async () => {
      const url = `http://127.0.0.1:${(wrong.address() as AddressInfo).port}`;
      aws.stacks.set('Waba-dev', { status: 'UPDATE_COMPLETE', outputs: outputs(url) });

      const { code, lines } = await smoke('--stage', 'dev');

      expect(code).toBe(1);
      expect(lines[2]).toMatch(
        /^FAIL challenge +GET .* answered 200 but not the challenge: expected "\d+", got "ok"$/,
      );
    });
  });

  it('fails at the challenge, naming the cause, when nothing listens at the callback URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    aws.stacks.set('Waba-dev', { status: 'UPDATE_COMPLETE', outputs: outputs(closed) });

    const { code, lines } = await smoke('--stage', 'dev');

    expect(code).toBe(1);
    expect(lines[2]).toBe(
      `FAIL challenge   GET ${closed}/webhook failed: fetch failed (connect ECONNREFUSED ${closed.slice(7)})`,
    );
  });

  it('fails at the audit row when the smoke number belongs to an organization', async () => {
    const { code, lines } = await smoke('--stage', 'dev', '--phone-number-id', ownedPhoneNumberId);

    expect(code).toBe(1);
    expect(lines[3]).toMatch(/^PASS webhook +POST .* → 200/);
    expect(lines[4]).toMatch(
      new RegExp(
        `^FAIL audit row +outcome processed, expected unrouted: an organization owns phone_number_id ${ownedPhoneNumberId}`,
      ),
    );
  });

  it.each([
    [
      'a stack that does not exist',
      () => undefined,
      ['--stage', 'prod'],
      /^FAIL outputs +stack Waba-prod: Stack with id Waba-prod does not exist \(region us-east-1\)$/,
    ],
    [
      'a stack deployed before the audit lookup existed',
      () => {
        const older: Record<string, string> = outputs(stack.url);
        delete older.MaintenanceFunctionName;
        aws.stacks.set('Waba-dev', { status: 'UPDATE_COMPLETE', outputs: older });
      },
      ['--stage', 'dev'],
      /^FAIL outputs +stack Waba-dev has no output MaintenanceFunctionName/,
    ],
    [
      'a stack whose creation rolled back',
      () => aws.stacks.set('Waba-dev', { status: 'ROLLBACK_COMPLETE', outputs: {} }),
      ['--stage', 'dev'],
      /^FAIL outputs +stack Waba-dev: status ROLLBACK_COMPLETE: nothing deployed to test/,
    ],
    [
      'an apps secret still holding its placeholder',
      () => aws.secrets.set(APPS_ARN, '{}'),
      ['--stage', 'dev'],
      /^FAIL apps secret +the apps secret has no app "default" \(it lists none\): fill it in/,
    ],
  ])('fails clearly on %s', async (_name, arrange, args, line) => {
    arrange();

    const { code, lines } = await smoke(...args);

    expect(code).toBe(1);
    expect(lines.find((l) => l.startsWith('FAIL'))).toMatch(line);
    expect(lines.filter((l) => l.startsWith('PASS')).length).toBeLessThan(2);
  });

  it('fails at the audit row when the maintenance function cannot reach the database', async () => {
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    try {
      const { code, lines } = await smoke('--stage', 'dev');

      expect(code).toBe(1);
      expect(lines[4]).toMatch(
        new RegExp(
          `^FAIL audit row +asking ${MAINTENANCE} for the audit row failed: the function failed \\(Unhandled\\): .*ECONNREFUSED`,
        ),
      );
    } finally {
      process.env.DATABASE_URL = t.url;
    }
  });

  it.each([
    [['--stage'], /argument missing/],
    [['--timeout', '5'], /--stage is required/],
    [['--stage', 'dev', '--timeout', 'soon'], /--timeout is seconds/],
    [['--stage', 'qa'], /unknown stage "qa"/],
  ])('bad arguments %j exit 2', async (args, why) => {
    const { code, lines } = await smoke(...args);
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(why);
  });

  // Last: it stops the local stack's processor.
  it('fails at the audit row when the webhook is acknowledged but never stored', async () => {
    await stack.processor.stop();

    const { code, lines } = await smoke('--stage', 'dev', '--timeout', '2');

    expect(code).toBe(1);
    expect(lines[3]).toMatch(/^PASS webhook/);
    expect(lines[4]).toMatch(
      /^FAIL audit row +no audit row for body sha256 [0-9a-f]{64} after \d+\.\d s: the webhook was acknowledged but not stored/,
    );
  });
});
