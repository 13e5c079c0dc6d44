import { randomUUID } from 'node:crypto';
import { findOrganizationBySlug, updateAgentConfig } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  status,
  textMessage,
  wamid,
  webhookPayload,
  type RawWebhookEntry,
  createTestDatabase,
  until,
  withLogin,
  type TestDatabase,
  postSignedWebhook,
} from '@waba/testing';
import { cliLines as cli } from './helpers/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

/** Two Meta apps: the default one on /webhook, another on /webhook/{appId}. */
const DEFAULT_SECRET = 'tenancy-default-secret';
const OTHER = { id: '424242', secret: 'tenancy-other-secret' };

/** Three organizations: the stack's default one (default app), globex and initech (the other app). */
const NUMBERS = {
  default: { phoneNumberId: '106540352242922', wabaId: '102290129340398' },
  globex: { phoneNumberId: '3000001', wabaId: '4000001' },
  initech: { phoneNumberId: '3000002', wabaId: '4000002' },
} as const;
type Org = keyof typeof NUMBERS;

describe('tenancy end to end: two apps, three organizations, over HTTP', () => {
  let t: TestDatabase;
  let stack: Stack;
  const ids = {} as Record<Org, string>;
  const role = `tenancy_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const password = randomUUID();

  beforeAll(async () => {
    t = await createTestDatabase();
    stack = await startTestStack(t, {
      WHATSAPP_APP_SECRET: DEFAULT_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'tenancy-token',
      WHATSAPP_APPS: JSON.stringify({
        [OTHER.id]: { secrets: [OTHER.secret], verifyToken: 'tenancy-other-token' },
      }),
    });
    for (const org of ['globex', 'initech'] as const) {
      const n = NUMBERS[org];
      await cli(
        ...['org', 'add', '--name', org, '--slug', org],
        ...['--phone-number-id', n.phoneNumberId, '--waba-id', n.wabaId, '--app-id', OTHER.id],
      );
    }
    for (const org of Object.keys(NUMBERS) as Org[]) {
      ids[org] = (await findOrganizationBySlug(t.db, org))!.id;
      // No bot replies: this test is about what comes in.
      await updateAgentConfig(t.db, ids[org], { allowed_numbers: [] });
    }
  }, 60_000);
  afterAll(async () => {
    await cli('analyst', 'remove', '--role', role).catch(() => undefined);
    await stack?.stop();
    await t?.destroy();
  });

  /** POSTs the entries as Meta would: to /webhook signed by the default app, or to /webhook/{appId}. */
  async function post(entries: RawWebhookEntry[], app?: typeof OTHER): Promise<string> {
    const raw = metaEscape(JSON.stringify(webhookPayload({ entries })));
    const response = await postSignedWebhook(
      `${stack.url}/webhook${app ? `/${app.id}` : ''}`,
      raw,
      app?.secret ?? DEFAULT_SECRET,
    );
    expect(response.status).toBe(200);
    return raw;
  }
  /** Waits until the audit row of `raw` is written, and returns it. */
  const audited = (raw: string) =>
    until(async () =>
      t.db.selectFrom('webhook_events').selectAll().where('raw_body', '=', raw).executeTakeFirst(),
    );
  const text = (org: Org, body: string) =>
    messagesEntry({ ...NUMBERS[org], messages: [textMessage({ from: '5511912340000', body })] });
  const bodiesOf = async (org: Org) =>
    (
      await t.db
        .selectFrom('messages')
        .select('body')
        .where('organization_id', '=', ids[org])
        .execute()
    ).map((r) => r.body);

  it('1. a body signed by one app is not applied to an organization bound to the other; operators see it', async () => {
    const intoGlobex = await post([text('globex', 'injected via the default app')]);
    const intoDefault = await post([text('default', 'injected via the other app')], OTHER);
    const genuine = await post([text('globex', 'genuine globex')], OTHER);

    expect(await audited(intoGlobex)).toMatchObject({ outcome: 'misrouted', app_id: 'default' });
    expect(await audited(intoDefault)).toMatchObject({ outcome: 'misrouted', app_id: OTHER.id });
    expect(await audited(genuine)).toMatchObject({
      outcome: 'processed',
      organization_id: ids.globex,
    });
    expect(await bodiesOf('globex')).toEqual(['genuine globex']);
    expect(await bodiesOf('default')).toEqual([]);

    const stats = await cli('webhooks', 'stats');
    expect(stats).toContain('misrouted\t2');
    expect(stats).toContain('misrouted items\t4');
  });

  it("2. a status on initech's number naming globex's message leaves globex's message alone", async () => {
    const out = wamid('5511955550000', 'OUT0000000000000000E2E');
    const sent = await post(
      [messagesEntry({ ...NUMBERS.globex, statuses: [status({ id: out, status: 'sent' })] })],
      OTHER,
    );
    await audited(sent);
    const before = await t.db.selectFrom('messages').selectAll().where('wamid', '=', out).execute();
    expect(before).toEqual([
      expect.objectContaining({ organization_id: ids.globex, status: 'sent' }),
    ]);

    const failed = await post(
      [messagesEntry({ ...NUMBERS.initech, statuses: [status({ id: out, status: 'failed' })] })],
      OTHER,
    );

    expect(await audited(failed)).toMatchObject({
      outcome: 'misrouted',
      organization_id: ids.initech,
      error: `status of ${out} names a message of another organization`,
    });
    expect(
      await t.db.selectFrom('messages').selectAll().where('wamid', '=', out).execute(),
    ).toEqual(before);
    expect(
      await t.db
        .selectFrom('message_status_events')
        .select('organization_id')
        .where('wamid', '=', out)
        .execute(),
    ).toEqual([{ organization_id: ids.globex }]);
  });

  it("3. globex's analyst, logged in with a password, reads globex's part of a shared body and no raw body", async () => {
    const shared = await post(
      [text('globex', 'globex customer text'), text('initech', 'initech customer text')],
      OTHER,
    );
    expect(await audited(shared)).toMatchObject({ outcome: 'processed', organization_id: null });
    process.env.ANALYST_PASSWORD = password;
    try {
      await cli('analyst', 'add', '--org', 'globex', '--role', role);
    } finally {
      delete process.env.ANALYST_PASSWORD;
    }

    await withLogin(t.url, { role, password }, async (analyst) => {
      const extracts = await analyst.query<{ organization_id: string; body: unknown }>(
        'select organization_id, body from webhook_event_extracts',
      );
      const seen = JSON.stringify(extracts.rows);
      expect(new Set(extracts.rows.map((r) => r.organization_id))).toEqual(new Set([ids.globex]));
      expect(seen).toContain('globex customer text');
      expect(seen).not.toContain('initech');
      const messages = await analyst.query<{ body: string | null }>('select body from messages');
      expect(messages.rows.map((r) => r.body)).toContain('globex customer text');
      expect(JSON.stringify(messages.rows)).not.toContain('initech');
      await expect(analyst.query('select raw_body from webhook_events')).rejects.toThrow(
        /permission denied/,
      );
    });
  });
});
