import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignRecipients, getCampaign } from '@waba/db';
import { createTestDatabase, until, type TestDatabase } from '@waba/testing';
import { cliLines as cli } from './helpers/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

const BF_OFFER = '1000000000000001';
const PAUSED_REASON =
  'template bf_offer (en_US) is PAUSED; resume the campaign once it is APPROVED again';

describe('templates on the local stack: synced from the sandbox, checked, and pausing a campaign', () => {
  let t: TestDatabase;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-templates-'));
    stack = await startTestStack(t, {});
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const create = (template: string, ...more: string[]) =>
    cli(
      'campaign', 'create', '--org', 'default', '--name', `with ${template}`,
      '--template', template, '--language', 'en_US', ...more,
    ); // prettier-ignore

  it('syncs every page of the WABA’s templates and lists them', async () => {
    expect(await cli('template', 'sync', '--org', 'default', '--page-size', '4')).toEqual([
      'WABA 102290129340398: synced 6 template(s) from 2 page(s)',
    ]);

    const listed = (await cli('template', 'list', '--org', 'default')).map((l) =>
      l.split('\t').slice(0, 5).join(' '),
    );
    expect(listed).toEqual([
      'template_id name language status category',
      `${BF_OFFER} bf_offer en_US APPROVED MARKETING`,
      '1000000000000004 login_code en_US APPROVED AUTHENTICATION',
      '1000000000000006 old_promo en_US REJECTED MARKETING',
      '1000000000000002 order_update en_US APPROVED UTILITY',
      '1000000000000005 spring_sale pt_BR PENDING MARKETING',
      '1000000000000003 welcome en_US APPROVED MARKETING',
    ]);
  });

  it('creating a campaign checks the template exists, is approved and its parameters are given', async () => {
    await cli('template', 'sync', '--org', 'default');
    const named = file(
      'named.json',
      JSON.stringify([
        {
          type: 'body',
          parameters: [{ type: 'text', parameter_name: 'first_name', text: '{{first}}' }],
        },
      ]),
    );

    await expect(create('summer_sale')).rejects.toThrow(
      'template summer_sale (en_US) is not known for organization default: check its name and language, or run `template sync --org default`',
    );
    await expect(create('old_promo')).rejects.toThrow(
      'template old_promo (en_US) is REJECTED, not APPROVED',
    );
    await expect(create('bf_offer')).rejects.toThrow(
      "template bf_offer (en_US) does not fit the components: the template's body takes 1 parameter ({{1}}); the components have no body component",
    );
    await expect(create('order_update', '--components', named)).rejects.toThrow(
      "the template's body takes 2 parameters ({{first_name}}, {{order_id}}); no parameter has parameter_name order_id",
    );
    await expect(create('welcome', '--category', 'UTILITY')).rejects.toThrow(
      "--category UTILITY: the template's category is MARKETING",
    );

    const created = await create('welcome');
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    expect(await getCampaign(stack.db, id)).toMatchObject({
      template_id: '1000000000000003',
      template_category: 'MARKETING',
    });
  });

  it('pausing the template in the sandbox pauses the running campaign: the rest is not sent, the report says why', async () => {
    await cli('template', 'sync', '--org', 'default');
    const components = file(
      'components.json',
      JSON.stringify([{ type: 'body', parameters: [{ type: 'text', text: '{{name}}' }] }]),
    );
    // One message a second: the pause lands while most recipients still wait.
    const created = await create('bf_offer', '--components', components, '--rate', '1');
    const id = /^campaign (\S+) created/.exec(created[0]!)![1]!;
    const waIds = Array.from({ length: 10 }, (_, i) => `4915112340${String(i).padStart(3, '0')}`);
    await cli(
      'campaign', 'import', id, file('audience.csv', `wa_id,name\n${waIds.map((w, i) => `${w},N${i}`).join('\n')}\n`),
    ); // prettier-ignore
    const sends = () =>
      stack.sandbox!.messages().filter((m) => m.type === 'template' && waIds.includes(m.to));
    await cli('campaign', 'start', id);
    await until(async () => (sends().length > 0 ? true : undefined), 15_000);

    // The operator endpoint flips the status and posts Meta's signed webhook to the receiver.
    const paused = await fetch(`${stack.sandbox!.url}/sandbox/templates/${BF_OFFER}/status`, {
      method: 'POST',
      body: JSON.stringify({ status: 'PAUSED' }),
    });
    expect(await paused.json()).toMatchObject({ delivered: true });

    // Paused with the template's reason (a send refused with 132015 may pause it a moment
    // before the webhook lands; the webhook then gives the reason), and nothing in flight.
    const settled = await until(async () => {
      const campaign = await getCampaign(stack.db, id);
      const recipients = await campaignRecipients(stack.db, id);
      return campaign?.status === 'paused' &&
        campaign.last_error === PAUSED_REASON &&
        recipients.every((r) => r.status !== 'sending')
        ? { campaign, recipients }
        : undefined;
    }, 15_000);
    const pending = settled.recipients.filter((r) => r.status === 'pending').map((r) => r.wa_id);
    expect(pending.length).toBeGreaterThan(0);
    // Every recipient not pending got the message once; no pending one got it.
    const sentTo = sends().map((m) => m.to);
    expect(new Set(sentTo).size).toBe(sentTo.length);
    expect(sentTo.sort()).toEqual(waIds.filter((w) => !pending.includes(w)).sort());

    const report = await cli('campaign', 'report', id);
    expect(report[0]).toBe('with bf_offer (paused), template bf_offer/en_US');
    expect(report[1]).toBe(`paused: ${PAUSED_REASON}`);

    // Resumed while the template is still paused: the next slice pauses it again, sending nothing.
    await cli('campaign', 'resume', id);
    const again = await until(async () => {
      const c = await getCampaign(stack.db, id);
      return c?.status === 'paused' ? c : undefined;
    }, 15_000);
    expect(again.last_error).toBe(PAUSED_REASON);
    expect(
      sends()
        .map((m) => m.to)
        .sort(),
    ).toEqual(sentTo);
    expect(
      (await campaignRecipients(stack.db, id))
        .filter((r) => r.status === 'pending')
        .map((r) => r.wa_id),
    ).toEqual(pending);
  }, 60_000);
});
