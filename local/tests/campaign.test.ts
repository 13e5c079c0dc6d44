import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { campaignReport } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  status,
  textMessage,
  webhookPayload,
  createTestDatabase,
  until,
  type TestDatabase,
  postSignedWebhook,
} from '@waba/testing';
import { runCli } from '../src/cli';
import { cliLines as cli } from './helpers/cli';
import { loadConfig } from '../src/config';
import { startStack, type Stack } from '../src/stack';

describe('a campaign from the CLI on the local stack, through the Meta sandbox and back', () => {
  let t: TestDatabase;
  let stack: Stack;
  let dir: string;
  const secret = 'campaign-secret';

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-campaign-'));
    const stateFile = join(dir, 'stack.json');
    process.env.STACK_STATE_FILE = stateFile;
    const { config } = loadConfig({
      PORT: '0',
      DATABASE_URL: t.url,
      WHATSAPP_APP_SECRET: secret,
      STACK_STATE_FILE: stateFile,
      INGEST_BATCHING_WINDOW_SECONDS: '0',
    });
    stack = await startStack(config, pino({ level: 'silent' }));
    // Campaigns are created from synced templates (the sandbox serves bf_offer, welcome, ...).
    await runCli(['template', 'sync', '--org', 'default'], () => undefined);
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  /** Posts a webhook as Meta would: its escaped JSON, signed with the app secret. */
  const post = (raw: string) => postSignedWebhook(`${stack.url}/webhook`, raw, secret);

  it('imports, sends, tracks statuses, reports and exports', async () => {
    const components = join(dir, 'components.json');
    writeFileSync(
      components,
      JSON.stringify([{ type: 'body', parameters: [{ type: 'text', text: '{{name}}' }] }]),
    );
    const created = await cli(
      'campaign', 'create', '--org', 'default', '--name', 'Black Friday',
      '--template', 'bf_offer', '--language', 'en_US', '--components', components,
    ); // prettier-ignore
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    expect(created[1]).toBe('audience columns: wa_id,name');

    // A file with mistakes is refused as a whole, with its lines.
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'wa_id,name\n44207900101,Ana\nnot-a-phone,Bo\n44207900101,Ana\n');
    const badLines: string[] = [];
    await expect(runCli(['campaign', 'import', id, bad], (l) => badLines.push(l))).rejects.toThrow(
      'nothing imported: 2 problem(s)',
    );
    expect(badLines).toEqual([
      `${bad}:3: wa_id "not-a-phone" is not a phone number in international format (8 to 15 digits) nor a business-scoped user id (e.g. US.13491208655302741918)`,
      `${bad}:4: wa_id 44207900101 already on line 2`,
    ]);
    expect((await campaignReport(stack.db, id)).stats.targeted).toBe(0);

    // Sandbox test recipients: ...0000 fails as undeliverable, ...1111 is delivered but never read.
    const good = join(dir, 'audience.csv');
    writeFileSync(
      good,
      'wa_id,name\n+44 207 90 0101,Ana\n44207900102,Bo\n44207900103,"Cy, Jr."\n44207901111,Di\n44207900000,Ed\n',
    );
    expect(await cli('campaign', 'import', id, good)).toEqual([
      'imported 5 recipient(s); 0 already in the audience',
    ]);
    expect(await cli('campaign', 'import', id, good)).toEqual([
      'imported 0 recipient(s); 5 already in the audience',
    ]);

    expect((await cli('campaign', 'start', id))[0]).toContain('\tsending\t');

    const report = await until(async () => {
      const r = await campaignReport(stack.db, id);
      // The sender marks the campaign completed after its last slice, which may
      // finish after the statuses of the first recipients are in.
      const done = r.stats.campaign_status === 'completed';
      return done && r.stats.read === 3 && r.stats.failed === 1 && r.stats.delivered === 4
        ? r
        : undefined;
    }, 20_000);
    expect(report.stats).toMatchObject({
      campaign_status: 'completed',
      targeted: 5,
      accepted: 5,
      sent: 5,
      delivered: 4,
      read: 3,
      failed: 1,
      pending: 0,
      unknown: 0,
    });
    expect(report.failures).toEqual([
      expect.objectContaining({ error_code: 131026, recipients: 1 }),
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(
      report.daily.map((d) => [
        d.day.toISOString().slice(0, 10),
        d.sent,
        d.delivered,
        d.read,
        d.failed,
      ]),
    ).toEqual([[today, 5, 4, 3, 1]]);
    // Each recipient got it exactly once, with its own name.
    const sent = stack.sandbox!.messages().filter((m) => m.type === 'template');
    expect(sent.map((m) => m.to).sort()).toEqual([
      '44207900000', '44207900101', '44207900102', '44207900103', '44207901111',
    ]); // prettier-ignore
    expect(JSON.stringify(sent.find((m) => m.to === '44207900103')!.body)).toContain('Cy, Jr.');

    const printed = await cli('campaign', 'report', id, '--csv', join(dir, 'report.csv'));
    expect(printed[1]).toBe(
      'targeted 5  accepted 5  sent 5  delivered 4  read 3  failed 1  pending 0  unknown 0  suppressed 0  limit-deferred 0  skipped 0',
    );
    expect(readFileSync(join(dir, 'report.csv'), 'utf8')).toBe(
      `day,sent,delivered,read,failed,suppressed,limit_deferred,skipped\r\n${today},5,4,3,1,,,\r\ntotal,5,4,3,1,0,0,0\r\n`,
    );

    await cli('campaign', 'recipients', id, '--csv', join(dir, 'recipients.csv'));
    const rows = readFileSync(join(dir, 'recipients.csv'), 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe(
      'line,wa_id,status,wamid,accepted_at,sent_at,delivered_at,read_at,failed_at,error_code,error_title,attempts,source,next_attempt_at,name',
    );
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.includes('44207900000'))).toMatch(/,failed,.*,131026,/);
    expect(rows.find((r) => r.includes('44207900103'))).toMatch(/,read,.*"Cy, Jr\."$/);

    const failedOnly = await cli('campaign', 'recipients', id, '--status', 'failed');
    expect(failedOnly).toHaveLength(2);
  }, 40_000);

  it('counts messages another system sent with the campaign tag', async () => {
    const created = await cli(
      'campaign', 'create', '--org', 'default', '--name', 'Sent elsewhere',
      '--template', 'welcome', '--language', 'en_US',
    ); // prettier-ignore
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    const raw = metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [
            messagesEntry({
              statuses: [
                status({ id: 'wamid.external-1', status: 'delivered', recipientId: '4915112345678', bizOpaque: `campaign:${id}` }),
              ],
            }),
          ],
        }),
      ),
    ); // prettier-ignore
    expect((await post(raw)).status).toBe(200);
    const report = await until(async () => {
      const r = await campaignReport(stack.db, id);
      return r.stats.targeted === 1 ? r : undefined;
    });
    expect(report.stats).toMatchObject({ targeted: 1, sent: 1, delivered: 1, read: 0 });
    const [row] = await cli('campaign', 'recipients', id).then((l) => l.slice(1));
    expect(row).toContain('4915112345678\tdelivered\twamid.external-1');
    expect(row).toMatch(/\texternal\t-$/);
  });
  it('never sends a marketing template to a contact who opted out, and reports them suppressed', async () => {
    const [byWebhook, byKeyword, byFile, listed] = [
      '16505557001',
      '16505557002',
      '16505557003',
      '5511955557004',
    ];
    // Opted out through Meta: a user_preferences webhook (shape of Meta's example) through the receiver.
    const preferences = {
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'user_preferences', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
        contacts: [{ wa_id: byWebhook }],
        user_preferences: [{ wa_id: byWebhook, detail: 'User requested to stop marketing messages',
          category: 'marketing_messages', value: 'stop', timestamp: Math.floor(Date.now() / 1000) }],
      } }] }],
    }; // prettier-ignore
    expect((await post(metaEscape(JSON.stringify(preferences)))).status).toBe(200);
    // Opted out by writing STOP: the answer worker confirms instead of answering.
    const stop = webhookPayload({
      entries: [messagesEntry({ messages: [textMessage({ from: byKeyword, body: 'STOP' })] })],
    });
    expect((await post(metaEscape(JSON.stringify(stop)))).status).toBe(200);
    // Opted out on another channel: a CSV import.
    const list = join(dir, 'suppressed.csv');
    writeFileSync(list, 'wa_id,reason\n+1 650 555 7003,asked by email\n');
    expect(await cli('suppression', 'import', '--org', 'default', '--csv', list)).toEqual([
      'suppressed 1 contact(s) from 1 line(s)',
    ]);
    const exported = await until(async () => {
      const lines = await cli('suppression', 'export', '--org', 'default');
      return lines.length === 4 ? lines : undefined;
    }, 20_000);
    expect(
      exported
        .slice(1)
        .map((l) => l.split('\t').slice(0, 3))
        .sort(),
    ).toEqual([
      [byWebhook, 'user_preferences', 'User requested to stop marketing messages'],
      [byKeyword, 'keyword', 'STOP'],
      [byFile, 'csv_import', 'asked by email'],
    ]);
    const confirmation = await until(async () =>
      stack.sandbox!.messages().find((m) => m.to === byKeyword),
    );
    expect(JSON.stringify(confirmation.body)).toContain("You won't receive marketing messages");

    const created = await cli(
      'campaign', 'create', '--org', 'default', '--name', 'Opt-outs',
      '--template', 'welcome', '--language', 'en_US',
    ); // prettier-ignore
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    const audience = join(dir, 'optouts.csv');
    writeFileSync(audience, `wa_id\n${byWebhook}\n${byKeyword}\n${byFile}\n${listed}\n`);
    await cli('campaign', 'import', id, audience);
    await cli('campaign', 'start', id);

    const report = await until(async () => {
      const r = await campaignReport(stack.db, id);
      return r.stats.campaign_status === 'completed' ? r : undefined;
    }, 20_000);
    expect(report.stats).toMatchObject({ targeted: 4, accepted: 1, suppressed: 3, pending: 0 });
    const templates = stack.sandbox!.messages().filter((m) => m.type === 'template');
    expect(templates.filter((m) => [byWebhook, byKeyword, byFile].includes(m.to))).toEqual([]);
    expect(templates.filter((m) => m.to === listed)).toHaveLength(1);
    const printed = await cli('campaign', 'report', id, '--csv', join(dir, 'optouts-report.csv'));
    expect(printed[1]).toMatch(/ suppressed 3 {2}limit-deferred 0 {2}skipped 0$/);
    expect(readFileSync(join(dir, 'optouts-report.csv'), 'utf8')).toMatch(
      /\r\ntotal,\d+,\d+,\d+,0,3,0,0\r\n$/,
    );
    const suppressed = await cli('campaign', 'recipients', id, '--status', 'suppressed');
    expect(suppressed.slice(1).map((l) => l.split('\t')[1])).toEqual([
      byWebhook,
      byKeyword,
      byFile,
    ]);

    // Spend: the sandbox prices its template statuses as marketing / regular, replies as free service.
    const rates = join(dir, 'rates.csv');
    writeFileSync(
      rates,
      'category,country_code,price,currency,effective_from\nmarketing,,0.05,USD,2025-07-01\nmarketing,55,0.025,USD,2025-07-01\nmarketing,55,0.03,USD,2099-01-01\n',
    );
    expect(await cli('rates', 'import', '--org', 'default', '--csv', rates)).toEqual([
      'imported 3 rate(s)',
    ]);
    const spent = await until(async () => {
      const r = await campaignReport(stack.db, id);
      return r.spend?.charged === 1 ? r.spend : undefined;
    }, 20_000);
    expect(spent).toMatchObject({ charged: 1, free: 0, unpriced: 0, currency: 'USD' });
    expect(Number(spent.estimated_cost)).toBe(0.025);
    expect((await cli('campaign', 'report', id))[2]).toBe(
      'spend 0.025000 USD  charged 1  free 0  unpriced 0',
    );
    const daily = await cli('spend', '--org', 'default');
    expect(daily.find((l) => l.includes('\tservice\t'))).toMatch(
      /\tservice\t0\t[1-9]\d*\t0\t0\t-$/,
    );
    expect(daily.find((l) => l.includes('\tmarketing\t'))).toMatch(
      /\tmarketing\t[1-9]\d*\t0\t0\t[\d.]+\tUSD$/,
    );

    expect(await cli('suppression', 'remove', '--org', 'default', '--contact', byFile)).toEqual([
      `removed ${byFile} from the suppression list`,
    ]);
    expect(await cli('suppression', 'export', '--org', 'default')).toHaveLength(3);
  }, 60_000);
});
