import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignReport } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import { createTestDatabase, until, type TestDatabase, postSignedWebhook } from '@waba/testing';
import { runCli } from '../src/cli';
import { cliLines as cli } from './helpers/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

const PHONE_NUMBER_ID = '106540352242922';

describe('a marketing campaign that respects opt-outs, Meta refusals and the messaging limit, on the local stack', () => {
  let t: TestDatabase;
  let stack: Stack;
  let dir: string;
  const secret = 'compliance-secret';

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-compliance-'));
    stack = await startTestStack(t, {
      WHATSAPP_APP_SECRET: secret,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  it('sends only what may be sent, and its report and CSV show each state and the estimated spend', async () => {
    const optedOut = '4915550007001';
    const usNumber = '16505558001';
    // Sandbox test recipient: ...4949 is taken, then refused with 131049 by a failed status webhook.
    const marketingLimited = '4915550004949';
    const [first, second] = ['4915550008001', '4915550008002'];

    // Opted out through Meta: a user_preferences webhook (shape of Meta's example) through the receiver.
    const preferences = {
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'user_preferences', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
        contacts: [{ wa_id: optedOut }],
        user_preferences: [{ wa_id: optedOut, detail: 'User requested to stop marketing messages',
          category: 'marketing_messages', value: 'stop', timestamp: Math.floor(Date.now() / 1000) }],
      } }] }],
    }; // prettier-ignore
    const posted = await postSignedWebhook(
      `${stack.url}/webhook`,
      metaEscape(JSON.stringify(preferences)),
      secret,
    );
    expect(posted.status).toBe(200);
    await until(async () => {
      const lines = await cli('suppression', 'export', '--org', 'default');
      return lines.some((l) => l.startsWith(optedOut)) ? lines : undefined;
    }, 20_000);

    // The operator knows the number may reach two new people in 24 hours.
    expect(
      await cli('limits', 'set', '--phone-number-id', PHONE_NUMBER_ID, '--unique-per-day', '2'),
    ).toEqual([`limits of ${PHONE_NUMBER_ID} set`]);
    const rates = join(dir, 'rates.csv');
    writeFileSync(
      rates,
      'category,country_code,price,currency,effective_from\nmarketing,,0.05,USD,2025-07-01\n',
    );
    await cli('rates', 'import', '--org', 'default', '--csv', rates);

    // Campaigns are created from synced templates: the sandbox's `welcome` is marketing, no parameters.
    await cli('template', 'sync', '--org', 'default');
    const created = await cli(
      'campaign', 'create', '--org', 'default', '--name', 'Winter sale',
      '--template', 'welcome', '--language', 'en_US', '--category', 'MARKETING',
    ); // prettier-ignore
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    const audience = join(dir, 'audience.csv');
    writeFileSync(
      audience,
      `wa_id\n${optedOut}\n+1 650 555 8001\n${marketingLimited}\n${first}\n${second}\n`,
    );
    await cli('campaign', 'import', id, audience);
    await cli('campaign', 'start', id);

    const report = await until(async () => {
      const r = await campaignReport(t.db, id);
      const settled = r.stats.limit_deferred === 2 && r.stats.read === 1;
      return settled && r.spend?.charged === 1 ? r : undefined;
    }, 30_000);
    expect(report.stats).toMatchObject({
      targeted: 5,
      suppressed: 1,
      skipped: 1,
      limit_deferred: 2,
      accepted: 2,
      failed: 0,
      read: 1,
      pending: 0,
      // The recipient over the messaging limit waits for the next window.
      campaign_status: 'sending',
    });
    // Meta got only what it may: never the opted-out contact, the +1 number, or more than the limit.
    const templates = stack.sandbox!.messages().filter((m) => m.type === 'template');
    expect(templates.map((m) => m.to).sort()).toEqual([first, marketingLimited].sort());
    expect(Number(report.spend!.estimated_cost)).toBe(0.05);

    const printed = await cli('campaign', 'report', id, '--csv', join(dir, 'report.csv'));
    expect(printed[1]).toBe(
      'targeted 5  accepted 2  sent 1  delivered 1  read 1  failed 0  pending 0  unknown 0  suppressed 1  limit-deferred 2  skipped 1',
    );
    expect(printed[2]).toBe('spend 0.050000 USD  charged 1  free 0  unpriced 0');
    const outcome = (prefix: string) => printed.find((l) => l.startsWith(prefix));
    expect(outcome('limit-deferred\t131049\t1\t')).toMatch(
      /healthy ecosystem engagement\.\tlimit-deferred, not resent at once/,
    );
    expect(outcome('limit-deferred\t-\t1\t')).toMatch(
      /messaging limit reached: 2 unique recipients per 24 h \(set by the operator\); carried over to the next window\tcarried over to the next 24-hour window; next attempt \d{4}-/,
    );
    expect(outcome('skipped\t-\t1\t')).toMatch(/\+1 \(US\) numbers are refused by Meta/);
    expect(outcome('suppressed\t-\t1\t')).toMatch(/on the suppression list/);
    expect(readFileSync(join(dir, 'report.csv'), 'utf8')).toMatch(
      /^day,sent,delivered,read,failed,suppressed,limit_deferred,skipped\r\n.*\r\ntotal,1,1,1,0,1,2,1\r\n$/s,
    );

    const listed = await cli('campaign', 'list', '--org', 'default');
    expect(listed[0]).toMatch(/\tsuppressed\tlimit_deferred\tskipped$/);
    expect(listed.find((l) => l.startsWith(id))).toMatch(/\t1\t2\t1$/);

    await cli('campaign', 'recipients', id, '--csv', join(dir, 'recipients.csv'));
    const rows = readFileSync(join(dir, 'recipients.csv'), 'utf8').trim().split('\r\n');
    const stateOf = (waId: string) => rows.find((r) => r.includes(`,${waId},`))!.split(',')[2];
    expect([optedOut, usNumber, marketingLimited, first, second].map(stateOf)).toEqual([
      'suppressed',
      'skipped',
      'limit-deferred',
      'read',
      'limit-deferred',
    ]);
    expect(rows.find((r) => r.includes(marketingLimited))).toMatch(/,131049,/);

    // Nothing can succeed now: the 131049 refusal is not 24 hours old. Twice: the same answer.
    for (let i = 0; i < 2; i++) {
      const retried = await cli('campaign', 'retry-failed', id, '--codes', '131049,131026');
      expect(retried[0]).toBe('0 recipient(s) back in the queue (codes 131049, 131026)');
      expect(retried[1]).toMatch(/^1 recipient\(s\) refused with 131049 wait until \d{4}-/);
    }
    await expect(runCli(['campaign', 'retry-failed', id, '--codes', '131030'])).rejects.toThrow(
      /131030 cannot succeed by resending/,
    );
    const shown = await cli('limits', 'show', '--org', 'default');
    expect(shown[1]).toMatch(
      new RegExp(`^${PHONE_NUMBER_ID}\\t\\S+\\t2\\tset by the operator\\t2\\t`),
    );
  }, 60_000);
});
