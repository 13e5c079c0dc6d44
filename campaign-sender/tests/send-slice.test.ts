import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import {
  campaignRecipients,
  campaignReport,
  changeCampaignStatus,
  claimRecipients,
  createCampaign,
  emptyAccountFieldsBatch,
  emptyIngestBatch,
  suppressContacts,
  writeAccountFields,
  importAudience,
  upsertOrganization,
  writeIngestBatch,
  type CampaignRow,
} from '@waba/db';
import { createGraphClient, GRAPH_TOKEN_PLACEHOLDER } from '@waba/whatsapp';
import {
  createTestDatabase,
  jobRecord,
  type TestDatabase,
  startTestSandbox,
  type MetaSandbox,
} from '@waba/testing';
import {
  processCampaignJobs,
  sendCampaignSlice,
  type CampaignSenderDeps,
  type SliceResult,
} from '@waba/campaign-sender';
import { senderDeps } from './helpers/sender-deps';

const PHONE = '106540352242922';
const COMPONENTS = [{ type: 'body', parameters: [{ type: 'text', text: 'Hi {{name}}' }] }];

describe('campaign sender', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let orgId: string;
  let deps: CampaignSenderDeps;
  let serial = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ wabaId: 'w', logger: pino({ level: 'silent' }) });
    orgId = (
      await upsertOrganization(t.db, {
        name: 'Shop',
        slug: 'shop',
        phoneNumbers: [{ phoneNumberId: PHONE, wabaId: 'w' }],
      })
    ).id;
    deps = senderDeps(t.db, sandbox.url);
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(async () => {
    await sandbox.close();
    await t.destroy();
  });

  /** A started campaign with `n` recipients of its own (unique wa_ids per test). */
  async function campaign(n: number, options: { rate?: number } = {}) {
    const c = await createCampaign(t.db, {
      organizationId: orgId,
      name: `c${++serial}`,
      templateName: 'order_update',
      templateLanguage: 'en_US',
      templateComponents: COMPONENTS,
      ratePerSecond: options.rate ?? null,
    });
    const waIds = Array.from({ length: n }, (_, i) => `1650${serial}${String(i).padStart(6, '0')}`);
    await importAudience(
      t.db,
      c.id,
      waIds.map((waId, i) => ({ line: i + 2, waId, parameters: { name: `N${i}` } })),
    );
    await changeCampaignStatus(t.db, c.id, 'start');
    return { campaign: c, waIds };
  }

  const sentTo = (c: CampaignRow) =>
    sandbox
      .messages()
      .filter(
        (m) =>
          (m.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ===
          `campaign:${c.id}`,
      );

  const audience = (c: CampaignRow) =>
    t.db
      .selectFrom('campaign_audience')
      .selectAll()
      .where('campaign_id', '=', c.id)
      .orderBy('line_number')
      .execute();

  /** Runs slices as the queue would, honouring each one's delay, until none is due. */
  async function runToEnd(id: string, d: CampaignSenderDeps = deps): Promise<SliceResult[]> {
    const slices: SliceResult[] = [];
    for (let i = 0; i < 20; i++) {
      const slice = await sendCampaignSlice(d, id);
      slices.push(slice);
      if (slice.nextInSeconds === null) return slices;
      await new Promise((r) => setTimeout(r, slice.nextInSeconds! * 1000));
    }
    throw new Error('campaign did not finish in 20 slices');
  }

  describe('recipients known only by username', () => {
    const BSUID = 'US.13491208655302741918';
    async function usernameCampaign(category: string | null) {
      const c = await createCampaign(t.db, {
        organizationId: orgId,
        name: `c${++serial}`,
        templateName: category === 'AUTHENTICATION' ? 'otp' : 'promo',
        templateLanguage: 'en',
        templateCategory: category,
        templateComponents: [],
      });
      // Not a +1 number: a marketing template to one is skipped.
      const phone = `4420${serial}000001`;
      await importAudience(t.db, c.id, [
        { line: 2, waId: BSUID, parameters: {} },
        { line: 3, waId: phone, parameters: {} },
      ]);
      await changeCampaignStatus(t.db, c.id, 'start');
      return { c, phone };
    }

    it('are sent by `recipient`, and the accepted send joins their contact', async () => {
      const { c, phone } = await usernameCampaign('MARKETING');

      await runToEnd(c.id);

      const sent = sentTo(c);
      expect(sent.map((m) => [m.addressedBy, m.to])).toEqual([
        ['recipient', BSUID],
        ['to', phone],
      ]);
      const [row] = await audience(c);
      const contact = await t.db
        .selectFrom('contacts')
        .selectAll()
        .where('user_id', '=', BSUID)
        .executeTakeFirstOrThrow();
      expect(contact.wa_id).toBeNull();
      expect(row).toMatchObject({ status: 'accepted', contact_id: contact.id });
      const message = await t.db
        .selectFrom('messages')
        .selectAll()
        .where('wamid', '=', row!.wamid!)
        .executeTakeFirstOrThrow();
      expect(message).toMatchObject({
        contact_id: contact.id,
        contact_user_id: BSUID,
        contact_wa_id: null,
      });
    });

    it("get no authentication template: refused before sending, with Meta's code 131062", async () => {
      const { c, phone } = await usernameCampaign('AUTHENTICATION');

      await runToEnd(c.id);

      expect(sentTo(c).map((m) => m.to)).toEqual([phone]);
      const [refused] = await audience(c);
      expect(refused).toMatchObject({
        status: 'failed',
        error_code: 131062,
        error_title: expect.stringMatching(/needs the recipient's phone number/),
      });
    });
  });

  it('sends each recipient once, with its parameters and campaign tag, and completes', async () => {
    const { campaign: c, waIds } = await campaign(5);

    const [first] = await runToEnd(c.id);

    expect(first).toMatchObject({
      accepted: 5,
      failed: 0,
      status: 'completed',
      nextInSeconds: null,
    });
    const sent = sentTo(c);
    expect(sent.map((m) => m.to)).toEqual(waIds);
    expect(sent[0]!.body).toMatchObject({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Hi N0' }] }],
      },
    });
    const rows = await audience(c);
    expect(rows.map((r) => [r.wa_id, r.status, r.wamid])).toEqual(
      sent.map((m) => [m.to, 'accepted', m.wamid]),
    );
    const history = await t.db
      .selectFrom('messages')
      .select(['wamid', 'campaign_id', 'direction', 'type'])
      .where('campaign_id', '=', c.id)
      .execute();
    expect(history).toHaveLength(5);
    expect(history.every((m) => m.direction === 'outbound' && m.type === 'template')).toBe(true);

    // A redelivered job for a completed campaign sends nothing.
    expect(await sendCampaignSlice(deps, c.id)).toMatchObject({ accepted: 0, status: 'completed' });
    expect(sentTo(c)).toHaveLength(5);
  });

  it('never sends a claimed recipient again, even when its sender crashed mid-send', async () => {
    const { campaign: c, waIds } = await campaign(4);
    // A sender claimed the first two, then died before recording anything.
    const lost = await claimRecipients(t.db, c.id, 2);
    expect(lost.map((r) => r.wa_id)).toEqual(waIds.slice(0, 2));

    const slice = await sendCampaignSlice(deps, c.id);
    expect(slice).toMatchObject({ accepted: 2, status: 'sending' });
    expect(slice.nextInSeconds).toBe(600); // waits for the claims to expire
    expect(sentTo(c).map((m) => m.to)).toEqual(waIds.slice(2));

    // Once the claims are old enough, their outcome is unknown and the campaign ends.
    const after = await sendCampaignSlice({ ...deps, claimTimeoutMs: 0 }, c.id);
    expect(after.status).toBe('completed');
    expect(sentTo(c)).toHaveLength(2);
    const rows = await audience(c);
    expect(rows.map((r) => r.status)).toEqual(['unknown', 'unknown', 'accepted', 'accepted']);

    // If the lost send did go out, its status webhook (tagged with the campaign) settles the row.
    const batch = emptyIngestBatch();
    batch.statuses.push({
      organizationId: orgId,
      wamid: 'wamid.lost-but-delivered',
      phoneNumberId: PHONE,
      status: 'delivered',
      occurredAt: new Date(),
      recipientId: waIds[0]!,
      errorCode: null,
      errorTitle: null,
      bizOpaqueCallbackData: `campaign:${c.id}`,
      campaignId: c.id,
      conversationId: null,
      pricingCategory: null,
      payload: {},
    });
    await t.db.transaction().execute((trx) => writeIngestBatch(trx, batch));
    const settled = await audience(c);
    expect(settled[0]).toMatchObject({ status: 'delivered', wamid: 'wamid.lost-but-delivered' });
  });

  it("shares the number's rate between campaigns sending at the same time", async () => {
    const a = await campaign(12, { rate: 20 });
    const b = await campaign(12, { rate: 20 });

    await Promise.all([runToEnd(a.campaign.id), runToEnd(b.campaign.id)]);

    const times = [...sentTo(a.campaign), ...sentTo(b.campaign)]
      .map((m) => Date.parse(m.at))
      .sort((x, y) => x - y);
    expect(times).toHaveLength(24);
    // 24 sends at 20/s take at least 23/20 s; in any one second at most 20 leave (+1 for the edge).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1100);
    const busiest = Math.max(
      ...times.map((t0) => times.filter((x) => x >= t0 && x < t0 + 1000).length),
    );
    expect(busiest).toBeLessThanOrEqual(21);
  });

  it('retries when Meta says the number is over its throughput, sending each recipient once', async () => {
    const { campaign: c, waIds } = await campaign(3);
    sandbox.fault({ code: 130429, httpStatus: 429, times: 2 });

    const slices = await runToEnd(c.id);

    expect(slices.at(-1)!.status).toBe('completed');
    expect(slices.reduce((n, s) => n + s.retried, 0)).toBe(2);
    expect(
      sentTo(c)
        .map((m) => m.to)
        .sort(),
    ).toEqual([...waIds].sort());
    expect((await audience(c)).every((r) => r.status === 'accepted')).toBe(true);
  });

  it('records a permanent failure with its code and goes on with the others', async () => {
    const { campaign: c, waIds } = await campaign(3);
    sandbox.fault({ code: 131026, httpStatus: 400, to: waIds[1]! });

    await runToEnd(c.id);

    const rows = await audience(c);
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['accepted', null],
      ['failed', 131026],
      ['accepted', null],
    ]);
    const stats = await t.db
      .selectFrom('campaign_failure_reasons')
      .select(['error_code', 'recipients'])
      .where('campaign_id', '=', c.id)
      .execute();
    expect(stats).toEqual([{ error_code: 131026, recipients: 1 }]);
  });

  it('pauses on a template error, keeps the recipient, and finishes after resume', async () => {
    const { campaign: c, waIds } = await campaign(3);
    sandbox.fault({ code: 132001, httpStatus: 404, message: 'Template name does not exist' });

    const [slice] = await runToEnd(c.id);

    expect(slice!.status).toBe('paused');
    const paused = await t.db
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(paused.last_error).toContain('132001');
    expect((await audience(c)).some((r) => r.status === 'pending')).toBe(true);

    await changeCampaignStatus(t.db, c.id, 'resume');
    await runToEnd(c.id);
    expect(
      sentTo(c)
        .map((m) => m.to)
        .sort(),
    ).toEqual([...waIds].sort());
    expect((await audience(c)).map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('retries a send that never left (connection refused) but never one that may have (timeout)', async () => {
    const refused = await campaign(2);
    // A port that was just free: nothing listens there.
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const offline = {
      ...deps,
      graph: createGraphClient({ accessToken: 'x', baseUrl: `http://127.0.0.1:${closedPort}` }),
    };
    const slice = await sendCampaignSlice(offline, refused.campaign.id);
    expect(slice).toMatchObject({ retried: 2, unknown: 0, accepted: 0 });
    expect((await audience(refused.campaign)).map((r) => r.status)).toEqual(['pending', 'pending']);

    // A Graph API that takes the request and never answers: it may have sent it.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const hanging = await campaign(1);
      const port = (silent.address() as AddressInfo).port;
      const slow = {
        ...deps,
        graph: createGraphClient({
          accessToken: 'x',
          baseUrl: `http://127.0.0.1:${port}`,
          timeoutMs: 200,
        }),
      };
      expect(await sendCampaignSlice(slow, hanging.campaign.id)).toMatchObject({ unknown: 1 });
      expect((await audience(hanging.campaign)).map((r) => r.status)).toEqual(['unknown']);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("puts no recipient back to pending when Meta may have sent: 131000 and a 5xx without Meta's envelope are unknown", async () => {
    const internal = await campaign(2);
    sandbox.fault({ code: 131000, httpStatus: 500, times: 2 });
    const slice = await sendCampaignSlice(deps, internal.campaign.id);
    expect(slice).toMatchObject({ unknown: 2, retried: 0, status: 'completed' });
    expect((await audience(internal.campaign)).map((r) => r.status)).toEqual([
      'unknown',
      'unknown',
    ]);

    const gateway: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502</html>'),
      );
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    try {
      const proxied = await campaign(1);
      const port = (gateway.address() as AddressInfo).port;
      const behindGateway = {
        ...deps,
        graph: createGraphClient({ accessToken: 'x', baseUrl: `http://127.0.0.1:${port}` }),
      };
      const result = await runToEnd(proxied.campaign.id, behindGateway);
      expect(result.reduce((n, s) => n + s.unknown, 0)).toBe(1);
      expect(result.reduce((n, s) => n + s.retried, 0)).toBe(0);
      expect((await audience(proxied.campaign)).map((r) => r.status)).toEqual(['unknown']);
    } finally {
      gateway.closeAllConnections();
      await new Promise((r) => gateway.close(r));
    }
  });

  it('refuses a placeholder token: no recipient is claimed and the job stays in the queue', async () => {
    const { campaign: c } = await campaign(2);
    const placeholder = {
      ...deps,
      graph: createGraphClient({ accessToken: GRAPH_TOKEN_PLACEHOLDER, baseUrl: sandbox.url }),
      enqueue: async () => undefined,
    };
    const record = jobRecord(JSON.stringify({ campaignId: c.id }));

    const response = await processCampaignJobs({ Records: [record] }, placeholder);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect((await audience(c)).map((r) => [r.status, r.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(sentTo(c)).toHaveLength(0);
  });

  it('after a 190 with no other token in the secret, keeps the recipient pending and the job in the queue', async () => {
    const { campaign: c } = await campaign(1);
    const refusing: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ error: { message: 'expired', type: 'OAuthException', code: 190 } }),
          ),
      );
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      let rereads = 0;
      const port = (refusing.address() as AddressInfo).port;
      const expired = {
        ...deps,
        graph: createGraphClient({
          accessToken: { current: async () => 'old', reread: async () => (rereads++, 'old') },
          baseUrl: `http://127.0.0.1:${port}`,
        }),
        enqueue: async () => undefined,
      };
      const record = jobRecord(JSON.stringify({ campaignId: c.id }));

      const response = await processCampaignJobs({ Records: [record] }, expired);

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(rereads).toBe(1);
      expect((await audience(c)).map((r) => r.status)).toEqual(['pending']);
      const row = await t.db
        .selectFrom('campaigns')
        .select('status')
        .where('id', '=', c.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('sending');
    } finally {
      refusing.closeAllConnections();
      await new Promise((r) => refusing.close(r));
    }
  });

  it('sends nothing for a paused or cancelled campaign', async () => {
    const p = await campaign(2);
    await changeCampaignStatus(t.db, p.campaign.id, 'pause');
    expect(await sendCampaignSlice(deps, p.campaign.id)).toMatchObject({
      status: 'paused',
      accepted: 0,
      nextInSeconds: null,
    });
    await changeCampaignStatus(t.db, p.campaign.id, 'cancel');
    expect(await sendCampaignSlice(deps, p.campaign.id)).toMatchObject({ status: 'cancelled' });
    expect(sentTo(p.campaign)).toHaveLength(0);
    await expect(changeCampaignStatus(t.db, p.campaign.id, 'resume')).rejects.toThrow(
      'cannot resume a campaign that is cancelled',
    );
  });

  it('processCampaignJobs queues the next slice, and reports unreadable jobs for the DLQ', async () => {
    const { campaign: c } = await campaign(5, { rate: 2 });
    const queued: Array<[string, number]> = [];
    const response = await processCampaignJobs(
      { Records: [jobRecord(JSON.stringify({ campaignId: c.id })), jobRecord('{"nope":1}')] },
      {
        ...deps,
        sliceMs: 1,
        enqueue: async (job, delay) => void queued.push([job.campaignId, delay]),
      },
    );
    expect(response.batchItemFailures).toHaveLength(1);
    expect(response.slices[0]).toMatchObject({ accepted: 2, status: 'sending' });
    expect(queued).toHaveLength(1);
    expect(queued[0]![0]).toBe(c.id);
    expect(queued[0]![1]).toBeLessThanOrEqual(1);
  });
  describe('suppressed recipients', () => {
    let key = 0;
    /** A user_preferences item, as the processor stores it (it also feeds the suppression list). */
    const preference = (waId: string, value: 'stop' | 'resume', at: Date) =>
      writeAccountFields(t.db, {
        ...emptyAccountFieldsBatch(),
        marketingPreferences: [
          {
            organizationId: orgId,
            wabaId: 'w',
            eventKey: `pref-${++key}`,
            occurredAt: at,
            phoneNumberId: PHONE,
            waId,
            userId: null,
            category: 'marketing_messages',
            value,
            detail: 'User requested to stop marketing messages',
          },
        ],
      });

    it('get no marketing template: their row is suppressed and campaign_stats counts them', async () => {
      const { campaign: c, waIds } = await campaign(3);
      await preference(waIds[1]!, 'stop', new Date());

      await runToEnd(c.id);

      expect(sentTo(c).map((m) => m.to)).toEqual([waIds[0], waIds[2]]);
      expect((await audience(c)).map((r) => r.status)).toEqual([
        'accepted',
        'suppressed',
        'accepted',
      ]);
      const { stats } = await campaignReport(t.db, c.id);
      expect(stats).toMatchObject({
        campaign_status: 'completed',
        targeted: 3,
        accepted: 2,
        suppressed: 1,
        pending: 0,
      });
      expect(await campaignRecipients(t.db, c.id, { status: 'suppressed' })).toEqual([
        expect.objectContaining({ wa_id: waIds[1], wamid: null }),
      ]);
    });

    it('are sent to again after a later resume, but not after an older one', async () => {
      const { campaign: c, waIds } = await campaign(2);
      const t0 = Date.now();
      await preference(waIds[0]!, 'stop', new Date(t0 - 2000));
      await preference(waIds[0]!, 'resume', new Date(t0 - 1000));
      await preference(waIds[1]!, 'stop', new Date(t0 - 1000));
      await preference(waIds[1]!, 'resume', new Date(t0 - 2000));

      await runToEnd(c.id);

      expect(sentTo(c).map((m) => m.to)).toEqual([waIds[0]]);
      expect((await audience(c)).map((r) => r.status)).toEqual(['accepted', 'suppressed']);
    });

    it('still get a utility template', async () => {
      const c = await createCampaign(t.db, {
        organizationId: orgId,
        name: `c${++serial}`,
        templateName: 'order_update',
        templateLanguage: 'en_US',
        templateCategory: 'UTILITY',
        templateComponents: [],
      });
      const waId = `1650${serial}000001`;
      await importAudience(t.db, c.id, [{ line: 2, waId, parameters: {} }]);
      await suppressContacts(t.db, orgId, [{ waId, source: 'operator', at: new Date() }]);
      await changeCampaignStatus(t.db, c.id, 'start');

      await runToEnd(c.id);

      expect(sentTo(c).map((m) => m.to)).toEqual([waId]);
    });
  });
});
