import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import {
  countWebhookEventsByOutcome,
  latestMarketingPreference,
  upsertOrganization,
} from '@waba/db';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import {
  webhookPayload,
  useTestDatabase,
  recordingAnswerQueue,
  processBodies,
} from '@waba/testing';

/** Genuine bodies (sources in sources.json); where each must land is in EXPECTED.md. */
const CORPUS = join(__dirname, '..', '..', 'whatsapp', 'tests', 'fixtures', 'meta-2026');
const raw = (file: string): string => readFileSync(join(CORPUS, file), 'utf8');

const FIXTURES = {
  approved: 'meta-template-status-approved.json',
  rejected: 'meta-template-status-rejected-invalid-format.json',
  quality: 'pywa-template-quality-yellow.json',
  category: 'pywa-template-category-marketing.json',
  flagged: 'restfb-phone-number-quality-flagged.json',
  throughput: 'meta-phone-number-quality-throughput-upgrade.json',
  capability: 'meta-business-capability-update.json',
  volumeTier: 'pywa-account-update-volume-tier.json',
  resume: 'pywa-user-preferences-resume.json',
  stop: 'synthesized/user-preferences-stop.json',
  connect: 'pywa-calls-connect-user-initiated.json',
  terminate: 'pywa-calls-terminate.json',
  standby: 'synthesized/standby-agent-conversation.json',
} as const;

/** The numbers and WABAs the fixtures name, all of one organization bound to the default app. */
const NUMBERS = [
  { phoneNumberId: '106540352242922', wabaId: '102290129340398' },
  { phoneNumberId: '743897493242', wabaId: '100293269804676' },
  { phoneNumberId: '37489742', wabaId: '47389759353' },
  { phoneNumberId: 'p-57438975935', wabaId: '57438975935' },
  { phoneNumberId: 'p-restfb', wabaId: 'whatsapp-business-account-id' },
  { phoneNumberId: 'p-524126980791429', wabaId: '524126980791429' },
];

describe('every other field has a typed home (issue 12, fixtures of meta-2026)', () => {
  const t = useTestDatabase();
  let org: string;

  beforeEach(async () => {
    await t.reset();
    org = (await upsertOrganization(t.db, { name: 'Acme', slug: 'acme', phoneNumbers: NUMBERS }))
      .id;
  });

  const deliver = async (bodies: string[], appId = 'default') => {
    const answers = recordingAnswerQueue();
    expect(
      await processBodies(t.db, bodies, { answers, attributes: { [A.appId]: appId } }),
    ).toEqual([]);
    return answers;
  };
  const all = (names: Array<keyof typeof FIXTURES>) => names.map((n) => raw(FIXTURES[n]));
  const everything = () => all(Object.keys(FIXTURES) as Array<keyof typeof FIXTURES>);
  const template = (id: string) =>
    t.db
      .selectFrom('templates')
      .selectAll()
      .where('organization_id', '=', org)
      .where('template_id', '=', id)
      .executeTakeFirstOrThrow();
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        [
          'templates',
          'template_events',
          'phone_number_events',
          'phone_number_limits',
          'business_capabilities',
          'marketing_preferences',
          'calls',
          'standby_events',
          'account_events',
        ].map(async (table) => [
          table,
          (
            await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
              t.db,
            )
          ).rows[0]!.n,
        ]),
      ),
    );

  it('template status updates: current status and category per template, history beside it', async () => {
    await deliver(all(['approved', 'rejected']));

    expect(await template('1689556908129832')).toMatchObject({
      waba_id: '102290129340398',
      name: 'order_confirmation',
      language: 'en-US',
      status: 'APPROVED',
      reason: 'NONE',
      category: 'UTILITY',
    });
    const rejected = await template('1689556908129835');
    expect(rejected).toMatchObject({
      name: 'abandoned_cart',
      status: 'REJECTED',
      reason: 'INVALID_FORMAT',
      category: 'MARKETING',
    });
    expect(rejected.rejection_info).toMatchObject({
      reason: expect.stringContaining('parameters placed next to each other'),
      recommendation: expect.stringContaining('Separate parameters'),
    });
    const history = await t.db
      .selectFrom('template_events')
      .select(['template_id', 'event', 'new_value'])
      .orderBy('template_id')
      .execute();
    expect(history).toEqual([
      { template_id: '1689556908129832', event: 'APPROVED', new_value: 'APPROVED' },
      { template_id: '1689556908129835', event: 'REJECTED', new_value: 'REJECTED' },
    ]);
  });

  it('template quality and category updates', async () => {
    await deliver(all(['quality', 'category']));

    expect(await template('806312974732579')).toMatchObject({
      name: 'welcome_template',
      quality_score: 'YELLOW',
      status: null,
    });
    expect(await template('12345678')).toMatchObject({
      waba_id: '57438975935',
      name: 'my_message_template',
      language: 'he',
      category: 'MARKETING',
    });
    const quality = await t.db
      .selectFrom('template_events')
      .select(['previous_value', 'new_value', 'field'])
      .where('template_id', '=', '806312974732579')
      .executeTakeFirstOrThrow();
    expect(quality).toEqual({
      field: 'message_template_quality_update',
      previous_value: 'GREEN',
      new_value: 'YELLOW',
    });
  });

  it('a later update of one aspect keeps the others; an older one arriving late changes nothing', async () => {
    const update = (time: number, value: Record<string, unknown>) =>
      JSON.stringify(
        webhookPayload({
          entries: [
            {
              id: '102290129340398',
              time,
              changes: [{ field: 'message_template_quality_update', value }],
            },
          ],
        }),
      );
    const ref = {
      message_template_id: 1689556908129832,
      message_template_name: 'order_confirmation',
      message_template_language: 'en-US',
    };
    await deliver(all(['approved']));
    await deliver([update(1751247600, { ...ref, new_quality_score: 'RED' })]);
    await deliver([update(1751247500, { ...ref, new_quality_score: 'GREEN' })]);

    expect(await template('1689556908129832')).toMatchObject({
      status: 'APPROVED',
      category: 'UTILITY',
      quality_score: 'RED',
    });
  });

  it('phone number quality: history per event, current limit per number (old and new shapes)', async () => {
    await deliver(all(['flagged', 'throughput']));

    const events = await t.db
      .selectFrom('phone_number_events')
      .select(['waba_id', 'display_phone_number', 'event', 'current_limit'])
      .orderBy('display_phone_number')
      .execute();
    expect(events).toEqual([
      {
        waba_id: '102290129340398',
        display_phone_number: '15550783881',
        event: 'THROUGHPUT_UPGRADE',
        current_limit: 'TIER_UNLIMITED',
      },
      {
        waba_id: 'whatsapp-business-account-id',
        display_phone_number: '16505551111',
        event: 'FLAGGED',
        current_limit: 'TIER_10K',
      },
    ]);
    const limits = await t.db
      .selectFrom('phone_number_limits')
      .select(['display_phone_number', 'event', 'current_limit'])
      .where('organization_id', '=', org)
      .orderBy('display_phone_number')
      .execute();
    expect(limits).toEqual([
      {
        display_phone_number: '15550783881',
        event: 'THROUGHPUT_UPGRADE',
        current_limit: 'TIER_UNLIMITED',
      },
      { display_phone_number: '16505551111', event: 'FLAGGED', current_limit: 'TIER_10K' },
    ]);
  });

  it('business capability update: the portfolio and WABA limits', async () => {
    await deliver(all(['capability']));

    const row = await t.db
      .selectFrom('business_capabilities')
      .selectAll()
      .where('organization_id', '=', org)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      waba_id: '524126980791429',
      max_daily_conversations_per_business: 2000,
      max_phone_numbers_per_waba: 25,
      max_phone_numbers_per_business: null,
    });
    // The update is in account_events too, as every field's audit row.
    const audit = await t.db
      .selectFrom('account_events')
      .select('field')
      .where('organization_id', '=', org)
      .execute();
    expect(audit).toEqual([{ field: 'business_capability_update' }]);
  });

  it('account_update: the volume tier event, its tier queryable in account_events', async () => {
    await deliver(all(['volumeTier']));

    const { rows } = await sql<{ event: string; tier: string; region: string }>`
      select event, value->'volume_tier_info'->>'tier' as tier, value->'volume_tier_info'->>'region' as region
      from account_events where organization_id = ${org} and field = 'account_update'`.execute(
      t.db,
    );
    expect(rows).toEqual([
      { event: 'VOLUME_BASED_PRICING_TIER_UPDATE', tier: '25000001:50000000', region: 'India' },
    ]);
  });

  it('user_preferences: stop and resume per user, the latest one is the suppression source', async () => {
    await deliver(all(['resume']));
    expect(await latestMarketingPreference(t.db, org, { waId: '16505551234' })).toEqual({
      value: 'resume',
      occurredAt: new Date(1731705721 * 1000),
    });

    await deliver(all(['stop']));

    const rows = await t.db
      .selectFrom('marketing_preferences')
      .select(['phone_number_id', 'wa_id', 'user_id', 'category', 'value', 'detail'])
      .where('organization_id', '=', org)
      .orderBy('occurred_at')
      .execute();
    expect(rows).toEqual([
      {
        phone_number_id: '106540352242922',
        wa_id: '16505551234',
        user_id: null,
        category: 'marketing_messages',
        value: 'resume',
        detail: 'User requested to resume marketing messages',
      },
      {
        phone_number_id: '106540352242922',
        wa_id: '16505551234',
        user_id: null,
        category: 'marketing_messages',
        value: 'stop',
        detail: 'User requested to stop marketing messages',
      },
    ]);
    expect(await latestMarketingPreference(t.db, org, { waId: '16505551234' })).toMatchObject({
      value: 'stop',
    });
    expect(await latestMarketingPreference(t.db, org, { waId: '19995550000' })).toBeUndefined();
  });

  it('calls: one row per call id with its contact, status and duration; the SDP stays in the audit row', async () => {
    await deliver(all(['connect', 'terminate']));

    const calls = await t.db
      .selectFrom('calls')
      .selectAll()
      .where('organization_id', '=', org)
      .orderBy('call_id')
      .execute();
    expect(calls).toEqual([
      expect.objectContaining({
        call_id: 'wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh',
        phone_number_id: '37489742',
        direction: 'BUSINESS_INITIATED',
        last_event: 'terminate',
        status: 'COMPLETED',
        contact_wa_id: '16315553601',
        duration_seconds: 120,
        started_at: new Date(1671644824 * 1000),
        ended_at: new Date(1671644944 * 1000),
        biz_opaque_callback_data: 'random_string',
      }),
      expect.objectContaining({
        call_id: 'wacid.xxxx=',
        phone_number_id: '743897493242',
        direction: 'USER_INITIATED',
        last_event: 'connect',
        contact_wa_id: '972987654321',
        contact_user_id: 'US.13491208655302741918',
        first_event_at: new Date(1752583107 * 1000),
      }),
    ]);
    expect(JSON.stringify(calls)).not.toContain('SDP');
    const audit = await t.db
      .selectFrom('account_events')
      .select('value')
      .where('field', '=', 'calls')
      .execute();
    expect(JSON.stringify(audit)).toContain('<<RFC 8866 SDP>>');
    // The value-level error of the terminate body is kept with it.
    expect(JSON.stringify(audit)).toContain('12455');
  });

  it("standby: the customer message, the other sender's echo and its status, one row each, no answer", async () => {
    const answers = await deliver(all(['standby']));
    await deliver(all(['standby']));

    const rows = await t.db
      .selectFrom('standby_events')
      .select([
        'organization_id',
        'phone_number_id',
        'kind',
        'wamid',
        'direction',
        'contact_wa_id',
        'contact_user_id',
        'type',
        'body',
        'status',
        'occurred_at',
      ])
      .orderBy('occurred_at')
      .execute();
    const row = { organization_id: org, phone_number_id: '106540352242922' };
    const customer = { contact_wa_id: '16505551234', contact_user_id: 'US.13491208655302741918' };
    expect(rows).toEqual([
      {
        ...row,
        ...customer,
        kind: 'message',
        wamid: 'wamid.SYNTH-STANDBY-MESSAGE-0001',
        direction: 'inbound',
        type: 'text',
        body: 'Is the blue one in stock?',
        status: null,
        occurred_at: new Date(1750101000 * 1000),
      },
      {
        ...row,
        ...customer,
        kind: 'message_echo',
        wamid: 'wamid.SYNTH-STANDBY-ECHO-0001',
        direction: 'outbound',
        type: 'text',
        body: 'Yes, the blue one ships today.',
        status: null,
        occurred_at: new Date(1750101005 * 1000),
      },
      {
        ...row,
        ...customer,
        kind: 'status',
        wamid: 'wamid.SYNTH-STANDBY-ECHO-0001',
        direction: 'outbound',
        type: null,
        body: null,
        status: 'delivered',
        occurred_at: new Date(1750101007 * 1000),
      },
    ]);
    // Another sender's conversation: not this app's messages, and no question for its bot.
    expect(await t.db.selectFrom('messages').selectAll().execute()).toEqual([]);
    expect(answers.jobs).toEqual([]);
    const audits = await t.db.selectFrom('webhook_events').select('outcome').execute();
    expect(audits).toEqual([{ outcome: 'processed' }]);
  });

  it('every fixture is processed whole, schedules no answer, and a redelivery adds nothing', async () => {
    const answers = await deliver(everything());
    const once = await counts();
    await deliver(everything());

    expect(await counts()).toEqual(once);
    expect(once).toMatchObject({
      templates: 4,
      template_events: 4,
      phone_number_events: 2,
      phone_number_limits: 2,
      business_capabilities: 1,
      marketing_preferences: 2,
      calls: 2,
      standby_events: 3,
    });
    expect(answers.jobs).toEqual([]);
    const outcomes = await t.db.selectFrom('webhook_events').select('outcome').execute();
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['processed']));
  });

  it('a body signed by an app the WABA is not bound to writes no typed row', async () => {
    await deliver(everything(), '424242');

    expect(await counts()).toEqual({
      templates: 0,
      template_events: 0,
      phone_number_events: 0,
      phone_number_limits: 0,
      business_capabilities: 0,
      marketing_preferences: 0,
      calls: 0,
      standby_events: 0,
      account_events: 0,
    });
    const outcomes = await t.db.selectFrom('webhook_events').select('outcome').execute();
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['misrouted']));
  });

  it('a field nobody knows yet keeps its value as jsonb and is counted', async () => {
    const body = JSON.stringify(
      webhookPayload({
        entries: [
          {
            id: '102290129340398',
            time: 1751247548,
            changes: [{ field: 'brand_new_field', value: { anything: { nested: 1 } } }],
          },
        ],
      }),
    );
    await deliver([body, raw(FIXTURES.approved)]);

    const stored = await t.db
      .selectFrom('account_events')
      .select(['field', 'value'])
      .where('field', '=', 'brand_new_field')
      .execute();
    expect(stored).toEqual([{ field: 'brand_new_field', value: { anything: { nested: 1 } } }]);
    const audits = await t.db
      .selectFrom('webhook_events')
      .select(['item_counts', 'outcome'])
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.item_counts.unknownFields)).toEqual([1, 0]);
    const stats = await countWebhookEventsByOutcome(t.db);
    expect(stats).toEqual([
      { outcome: 'processed', count: expect.anything(), misroutedItems: 0, unknownFieldItems: 1 },
    ]);
  });
});
