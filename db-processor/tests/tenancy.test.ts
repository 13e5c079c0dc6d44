import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import {
  addPhoneNumber,
  createAnalyst,
  createCampaign,
  dropAnalyst,
  importAudience,
  upsertOrganization,
} from '@waba/db';
import { processSqsEvent, replayUnrouted, routeToOrganization } from '@waba/db-processor';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import {
  messagesEntry,
  status,
  templateStatusEntry,
  textMessage,
  wamid,
  webhookPayload,
  type RawWebhookEntry,
  useTestDatabase,
  withLogin,
  processorDeps,
  recordingAnswerQueue,
  sqsEvent,
  sqsRecord,
} from '@waba/testing';

/** The app of /webhook, and a second Meta app. */
const DEFAULT_APP = 'default';
const OTHER_APP = '424242';

/** acme and hooli are bound to the default app (hooli explicitly, acme by having none recorded); globex to the other. */
const ORGS = {
  acme: { phoneNumberId: '1000001', wabaId: '2000001', appId: null },
  hooli: { phoneNumberId: '1000004', wabaId: '2000004', appId: DEFAULT_APP },
  globex: { phoneNumberId: '1000002', wabaId: '2000002', appId: OTHER_APP },
} as const;
type OrgName = keyof typeof ORGS;

const CUSTOMER = '5511999990000';

const inbound = (org: OrgName, body: string, id = wamid(CUSTOMER)): RawWebhookEntry =>
  messagesEntry({
    phoneNumberId: ORGS[org].phoneNumberId,
    wabaId: ORGS[org].wabaId,
    messages: [textMessage({ from: CUSTOMER, body, id })],
  });

const record = (entries: RawWebhookEntry[], appId: string) =>
  sqsRecord(webhookPayload({ entries }), { [A.appId]: appId });

describe('tenancy: apps, organizations and the audit trail', () => {
  const t = useTestDatabase();
  const ids = {} as Record<OrgName, string>;

  beforeEach(async () => {
    await t.reset();
    for (const [slug, number] of Object.entries(ORGS) as Array<[OrgName, (typeof ORGS)[OrgName]]>) {
      const org = await upsertOrganization(t.db, {
        name: slug,
        slug,
        phoneNumbers: [number],
      });
      ids[slug] = org.id;
    }
  });

  const deliver = async (
    records: ReturnType<typeof record>[],
    answers = recordingAnswerQueue(),
  ) => {
    const result = await processSqsEvent(sqsEvent(records), processorDeps(t.db, { answers }));
    expect(result.batchItemFailures).toEqual([]);
    return answers;
  };
  const audits = () =>
    t.db.selectFrom('webhook_events').selectAll().orderBy('app_id').orderBy('id').execute();
  const bodies = async (org: OrgName) =>
    (
      await t.db
        .selectFrom('messages')
        .select('body')
        .where('organization_id', '=', ids[org])
        .orderBy('body')
        .execute()
    ).map((r) => r.body);

  describe('routeToOrganization()', () => {
    const routes = {
      byPhoneNumberId: new Map([
        ['p-none', { organizationId: 'o1', appId: null }],
        ['p-other', { organizationId: 'o2', appId: OTHER_APP }],
      ]),
      byWabaId: new Map([['w-mixed', { organizationId: 'o3', appIds: [null, OTHER_APP] }]]),
    };
    it.each([
      ['a number with no app, signed by the default app', 'p-none', 'w', DEFAULT_APP, 'owned'],
      ['a number with no app, signed by another app', 'p-none', 'w', OTHER_APP, 'misrouted'],
      ['a number bound to an app, signed by it', 'p-other', 'w', OTHER_APP, 'owned'],
      [
        'a number bound to an app, signed by the default app',
        'p-other',
        'w',
        DEFAULT_APP,
        'misrouted',
      ],
      ['a WABA, signed by the app of one of its numbers', null, 'w-mixed', OTHER_APP, 'owned'],
      ['a WABA, signed by an app none of its numbers has', null, 'w-mixed', 'third', 'misrouted'],
      ['a number nobody registered, of a known WABA', 'p-new', 'w-mixed', 'third', 'misrouted'],
      ['a number and WABA nobody registered', 'p-new', 'w-new', DEFAULT_APP, 'unrouted'],
    ] as const)('%s', (_name, phoneNumberId, wabaId, signer, kind) => {
      expect(routeToOrganization({ phoneNumberId, wabaId }, signer, routes).kind).toBe(kind);
    });
  });

  describe('1. a body signed by one app does not write into an organization bound to another', () => {
    it('keeps the message as misrouted, with the reason, and schedules no answer', async () => {
      const answers = await deliver([record([inbound('globex', 'injected')], DEFAULT_APP)]);

      expect(await bodies('globex')).toEqual([]);
      expect(await t.db.selectFrom('contacts').selectAll().execute()).toEqual([]);
      expect(answers.jobs).toEqual([]);
      const [audit] = await audits();
      expect(audit).toMatchObject({
        outcome: 'misrouted',
        organization_id: null,
        app_id: DEFAULT_APP,
        item_counts: expect.objectContaining({ misrouted: 2 }),
      });
      expect(audit!.error).toBe('phone_number_id 1000002 is bound to app 424242, not default');
      expect(await t.db.selectFrom('webhook_event_extracts').selectAll().execute()).toEqual([]);
    });

    it('applies the same body signed by the bound app (the control)', async () => {
      await deliver([record([inbound('globex', 'genuine')], OTHER_APP)]);

      expect(await bodies('globex')).toEqual(['genuine']);
      expect((await audits())[0]).toMatchObject({
        outcome: 'processed',
        organization_id: ids.globex,
      });
    });

    it('routes account events by WABA under the same rule', async () => {
      const template = (org: OrgName) =>
        templateStatusEntry({
          wabaId: ORGS[org].wabaId,
          event: 'APPROVED',
          templateId: 7,
          templateName: `t-${org}`,
        });
      await deliver([record([template('globex'), template('acme')], DEFAULT_APP)]);

      const events = await t.db.selectFrom('account_events').select(['organization_id']).execute();
      expect(events).toEqual([{ organization_id: ids.acme }]);
      const [audit] = await audits();
      expect(audit).toMatchObject({ outcome: 'misrouted', organization_id: ids.acme });
      expect(audit!.error).toBe('waba 2000002 is bound to app 424242, not default');
    });

    it('a number with no app recorded refuses bodies signed by any app but the default one', async () => {
      await deliver([record([inbound('acme', 'from elsewhere')], OTHER_APP)]);
      await deliver([record([inbound('acme', 'from /webhook')], DEFAULT_APP)]);

      expect(await bodies('acme')).toEqual(['from /webhook']);
    });

    it("the owner's body replayed with another app's signature leaves the owner's audit row as it was", async () => {
      const owners = record([inbound('globex', 'genuine')], OTHER_APP);
      await deliver([owners]);
      const before = await audits();

      // The very bytes the owner's app signed, signed again by another app and delivered twice.
      const replayed = () => sqsRecord(owners.body, { [A.appId]: DEFAULT_APP });
      await deliver([replayed()]);
      await deliver([replayed()]);

      const after = await audits();
      expect(after).toHaveLength(2);
      expect(after.find((a) => a.app_id === OTHER_APP)).toEqual(before[0]);
      expect(after.find((a) => a.app_id === DEFAULT_APP)).toMatchObject({
        outcome: 'misrouted',
        delivery_count: 2,
        body_sha256: before[0]!.body_sha256,
      });
    });

    it('replay applies the same check with the stored app: misrouted stays so until the number is bound to that app', async () => {
      await deliver([record([inbound('globex', 'signed by the default app')], DEFAULT_APP)]);
      const deps = processorDeps(t.db);

      expect(await replayUnrouted(deps)).toMatchObject({ replayed: 0 });
      expect(await replayUnrouted(deps, { misrouted: true })).toMatchObject({
        replayed: 1,
        stillMisrouted: 1,
      });
      expect(await bodies('globex')).toEqual([]);

      await addPhoneNumber(t.db, ids.globex, { ...ORGS.globex, appId: DEFAULT_APP });
      expect(await replayUnrouted(deps, { misrouted: true })).toMatchObject({
        replayed: 1,
        nowProcessed: 1,
        stillMisrouted: 0,
      });
      expect(await bodies('globex')).toEqual(['signed by the default app']);
    });
  });

  describe('2. a status touches only messages of its own organization', () => {
    const outbound = wamid('5511888880000', 'OUTBOUND00000000000001');

    async function globexCampaignMessage(): Promise<string> {
      const campaign = await createCampaign(t.db, {
        organizationId: ids.globex,
        name: 'launch',
        templateName: 'launch',
        templateLanguage: 'en',
      });
      await importAudience(t.db, campaign.id, [{ line: 2, waId: '5511888880000', parameters: {} }]);
      const sent = status({
        id: outbound,
        status: 'sent',
        recipientId: '5511888880000',
        bizOpaque: `campaign:${campaign.id}`,
        timestamp: '1763805600',
      });
      await deliver([record([messagesEntry({ ...ORGS.globex, statuses: [sent] })], OTHER_APP)]);
      return campaign.id;
    }

    const globexState = async () => ({
      messages: await t.db.selectFrom('messages').selectAll().orderBy('id').execute(),
      audience: await t.db.selectFrom('campaign_audience').selectAll().execute(),
      events: await t.db.selectFrom('message_status_events').selectAll().orderBy('id').execute(),
    });

    it("a status on acme's number naming globex's message is misrouted and changes nothing of globex", async () => {
      await globexCampaignMessage();
      const before = await globexState();
      expect(before.audience[0]).toMatchObject({ wamid: outbound, status: 'sent' });

      const failed = status({
        id: outbound,
        status: 'failed',
        recipientId: '5511888880000',
        timestamp: '1763805700',
      });
      await deliver([record([messagesEntry({ ...ORGS.acme, statuses: [failed] })], DEFAULT_APP)]);

      expect(await globexState()).toEqual(before);
      const audit = (await audits()).at(-1)!;
      expect(audit).toMatchObject({ outcome: 'misrouted', organization_id: ids.acme });
      expect(audit.error).toBe(`status of ${outbound} names a message of another organization`);
      const extract = await t.db
        .selectFrom('webhook_event_extracts')
        .selectAll()
        .where('organization_id', '=', ids.acme)
        .executeTakeFirstOrThrow();
      expect(extract).toMatchObject({ outcome: 'misrouted', error: audit.error });
    });

    it('two organizations naming a new wamid in one batch: the first keeps it, the other is misrouted', async () => {
      const fresh = wamid('5511777770000', 'OUTBOUND00000000000002');
      const sent = (org: OrgName) =>
        messagesEntry({
          ...ORGS[org],
          statuses: [status({ id: fresh, status: 'sent', timestamp: '1763805600' })],
        });

      await deliver([record([sent('acme')], DEFAULT_APP), record([sent('hooli')], DEFAULT_APP)]);

      const rows = await t.db.selectFrom('messages').select(['organization_id']).execute();
      expect(rows).toEqual([{ organization_id: ids.acme }]);
      expect((await audits()).map((a) => a.outcome).sort()).toEqual(['misrouted', 'processed']);
    });
  });

  describe("3. an analyst reads its own organization's part of the audit trail only", () => {
    const role = `analyst_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const password = randomUUID();
    afterEach(() => dropAnalyst(t.db, role));

    /** Runs one query as the analyst, logged in with its password over TCP. */
    const asAnalyst = <T extends object>(query: string): Promise<T[]> =>
      withLogin(t.url, { role, password }, async (c) => (await c.query<T>(query)).rows);

    it('a body with entries of two organizations gives each its own extract; the raw body is operator-only', async () => {
      await deliver([
        record([inbound('acme', 'acme secret'), inbound('hooli', 'hooli secret')], DEFAULT_APP),
      ]);
      await createAnalyst(t.db, { role, organizationId: ids.acme, password });

      const [audit] = await audits();
      expect(audit).toMatchObject({ outcome: 'processed', organization_id: null });
      const seen = await asAnalyst<{ organization_id: string; body: unknown }>(
        'select organization_id, body from webhook_event_extracts',
      );
      expect(seen.map((r) => r.organization_id)).toEqual([ids.acme]);
      expect(JSON.stringify(seen[0]!.body)).toContain('acme secret');
      expect(JSON.stringify(seen)).not.toContain('hooli');
      await expect(asAnalyst('select raw_body from webhook_events')).rejects.toThrow(
        /permission denied/,
      );
      // The operator's view: both extracts, each with its own entry only.
      const extracts = await t.db
        .selectFrom('webhook_event_extracts')
        .select(['organization_id', 'body', 'item_counts'])
        .execute();
      expect(extracts).toHaveLength(2);
      for (const x of extracts) {
        const own = x.organization_id === ids.acme ? 'acme' : 'hooli';
        const other = own === 'acme' ? 'hooli' : 'acme';
        expect(JSON.stringify(x.body)).toContain(`${own} secret`);
        expect(JSON.stringify(x.body)).not.toContain(other);
        expect(x.item_counts).toMatchObject({ messages: 1, contacts: 1 });
      }
    });

    it('replay of a body that gains a second organization keeps no organization id, and each gets its extract', async () => {
      const late = { phoneNumberId: '1000009', wabaId: '2000009' };
      const lateEntry = messagesEntry({
        ...late,
        messages: [textMessage({ from: CUSTOMER, body: 'late secret' })],
      });
      await deliver([record([inbound('acme', 'acme secret'), lateEntry], DEFAULT_APP)]);
      expect((await audits())[0]).toMatchObject({ outcome: 'unrouted', organization_id: ids.acme });

      await addPhoneNumber(t.db, ids.hooli, { ...late, appId: null });
      await replayUnrouted(processorDeps(t.db));
      await createAnalyst(t.db, { role, organizationId: ids.acme, password });

      expect((await audits())[0]).toMatchObject({ outcome: 'processed', organization_id: null });
      const seen = await asAnalyst<{ body: unknown }>('select body from webhook_event_extracts');
      expect(seen).toHaveLength(1);
      expect(JSON.stringify(seen)).toContain('acme secret');
      expect(JSON.stringify(seen)).not.toContain('late secret');
      const hooli = await t.db
        .selectFrom('webhook_event_extracts')
        .select('body')
        .where('organization_id', '=', ids.hooli)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(hooli.body)).toContain('late secret');
    });
  });

  it('a body whose phone number cannot even be looked up is kept as rejected, not retried', async () => {
    const unstorable = messagesEntry({
      phoneNumberId: 'pn\u0000nul',
      wabaId: ORGS.acme.wabaId,
      messages: [textMessage({ from: CUSTOMER, body: 'hi' })],
    });
    await deliver([
      record([unstorable], DEFAULT_APP),
      record([inbound('acme', 'fine')], DEFAULT_APP),
    ]);

    expect(await bodies('acme')).toEqual(['fine']);
    const outcomes = (await audits()).map((a) => [a.outcome, a.error?.slice(0, 13) ?? null]);
    expect(outcomes.sort()).toEqual([
      ['processed', null],
      ['rejected', 'not storable:'],
    ]);
  });

  it('keeps every processed body once per app and month: a redelivery updates both rows in place', async () => {
    const body = record([inbound('acme', 'a'), inbound('hooli', 'b')], DEFAULT_APP);
    await deliver([body]);
    await deliver([{ ...body, messageId: randomUUID() }]);

    const counts = await sql<{ audits: number; extracts: number }>`
      select (select count(*)::int from webhook_events) as audits,
        (select count(*)::int from webhook_event_extracts) as extracts`.execute(t.db);
    expect(counts.rows).toEqual([{ audits: 1, extracts: 2 }]);
    expect((await audits())[0]!.delivery_count).toBe(2);
  });
});
