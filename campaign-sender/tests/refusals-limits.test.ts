import pino from 'pino';
import {
  campaignReport,
  changeCampaignStatus,
  createCampaign,
  emptyAccountFieldsBatch,
  importAudience,
  releaseDueDeferrals,
  retryFailedRecipients,
  sendingLimitsOf,
  setRetryMarketingLimit,
  setSendingLimits,
  upsertOrganization,
  writeAccountFields,
  type CampaignRow,
} from '@waba/db';
import {
  createTestDatabase,
  messagesEntry,
  processBodies,
  status,
  webhookPayload,
  type TestDatabase,
  startTestSandbox,
  type MetaSandbox,
} from '@waba/testing';
import {
  sendCampaignSlice,
  type CampaignSenderDeps,
  type SliceResult,
} from '@waba/campaign-sender';
import { senderDeps } from './helpers/sender-deps';

const PHONE = '106540352242933';
const WABA = 'w-limits';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('campaign sender: Meta refusals and messaging limits', () => {
  let t: TestDatabase;
  let sandbox: MetaSandbox;
  let orgId: string;
  let deps: CampaignSenderDeps;
  let serial = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    sandbox = await startTestSandbox({ wabaId: WABA, logger: pino({ level: 'silent' }) });
    deps = senderDeps(t.db, sandbox.url);
  });
  beforeEach(async () => {
    await t.reset();
    orgId = (
      await upsertOrganization(t.db, {
        name: 'Shop',
        slug: 'shop',
        phoneNumbers: [
          { phoneNumberId: PHONE, wabaId: WABA, displayPhoneNumber: '+1 555-010-9999' },
        ],
      })
    ).id;
  });
  afterEach(() => sandbox.clearFaults());
  afterAll(async () => {
    await sandbox.close();
    await t.destroy();
  });

  async function campaign(
    waIds: string[],
    options: { category?: string | null; retry?: boolean } = {},
  ): Promise<CampaignRow> {
    const c = await createCampaign(t.db, {
      organizationId: orgId,
      name: `c${++serial}`,
      templateName: 'promo',
      templateLanguage: 'en',
      templateCategory: options.category === undefined ? 'MARKETING' : options.category,
    });
    if (options.retry) await setRetryMarketingLimit(t.db, c.id, true);
    await importAudience(
      t.db,
      c.id,
      waIds.map((waId, i) => ({ line: i + 2, waId, parameters: {} })),
    );
    await changeCampaignStatus(t.db, c.id, 'start');
    return c;
  }

  const sentTo = (c: CampaignRow) =>
    sandbox
      .messages()
      .filter(
        (m) =>
          (m.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ===
          `campaign:${c.id}`,
      )
      .map((m) => m.to);

  const rows = (c: CampaignRow) =>
    t.db
      .selectFrom('campaign_audience')
      .selectAll()
      .where('campaign_id', '=', c.id)
      .orderBy('line_number')
      .execute();

  /** A failed status webhook with 131049, as Meta reports the per-user marketing limit. */
  const refusalBody = (c: CampaignRow, id: string, waId: string, failedAt: number) =>
    JSON.stringify(
      webhookPayload({
        entries: [
          messagesEntry({
            wabaId: WABA,
            phoneNumberId: PHONE,
            statuses: [
              status({
                id,
                status: 'failed',
                recipientId: waId,
                timestamp: String(failedAt),
                bizOpaque: `campaign:${c.id}`,
                errors: [
                  {
                    code: 131049,
                    title:
                      'This message was not delivered to maintain healthy ecosystem engagement.',
                  },
                ],
              }),
            ],
          }),
        ],
      }),
    );

  it('skips a marketing template to +1 numbers before sending, with the reason; a utility one goes', async () => {
    const marketing = await campaign(['15550101001', '4915112345678']);
    await sendCampaignSlice(deps, marketing.id);
    expect(sentTo(marketing)).toEqual(['4915112345678']);
    const [us] = await rows(marketing);
    expect(us).toMatchObject({ status: 'skipped', wamid: null, attempts: 0 });
    expect(us!.last_error).toMatch(/\+1 \(US\).*2025-04-01/);
    const report = await campaignReport(t.db, marketing.id);
    expect(report.stats).toMatchObject({ skipped: 1, accepted: 1, campaign_status: 'completed' });
    expect(report.outcomes).toEqual([
      expect.objectContaining({ status: 'skipped', error_code: null, recipients: 1 }),
    ]);

    const utility = await campaign(['15550101002'], { category: 'UTILITY' });
    await sendCampaignSlice(deps, utility.id);
    expect(sentTo(utility)).toEqual(['15550101002']);
  });

  it('defers a recipient Meta refuses with 131049: not retried at once, reported, resent after 24 h when asked', async () => {
    const [limited, other] = ['4915100000001', '4915100000002'];
    sandbox.fault({ code: 131049, httpStatus: 400, to: limited, times: Infinity });
    const once = await campaign([limited, other]);
    const slice = await sendCampaignSlice(deps, once.id);
    expect(slice).toMatchObject({ limitDeferred: 1, accepted: 1, retried: 0 });
    expect(slice.status).toBe('completed');
    const [row] = await rows(once);
    expect(row).toMatchObject({
      status: 'limit-deferred',
      error_code: 131049,
      next_attempt_at: null,
    });
    expect((await campaignReport(t.db, once.id)).stats.limit_deferred).toBe(1);

    // With the campaign's option the recipient waits 24 h after the refusal, and the campaign with it.
    const retrying = await campaign(['4915100000003'], { retry: true });
    sandbox.fault({ code: 131049, httpStatus: 400, to: '4915100000003' });
    const first = await sendCampaignSlice(deps, retrying.id);
    expect(first).toMatchObject({ limitDeferred: 1, status: 'sending' });
    expect(first.nextInSeconds).toBe(900);
    const [waiting] = await rows(retrying);
    expect(waiting!.next_attempt_at!.getTime() - waiting!.failed_at!.getTime()).toBe(DAY_MS);
    expect(sentTo(retrying)).toEqual([]);
    // A day later (moved back in time here) the slice sends it.
    await t.db
      .updateTable('campaign_audience')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('campaign_id', '=', retrying.id)
      .execute();
    const later = await sendCampaignSlice(deps, retrying.id);
    expect(later).toMatchObject({ accepted: 1 });
    expect(sentTo(retrying)).toEqual(['4915100000003']);
  });

  it('a 131049 failed status webhook defers the recipient, and a campaign that resends waits for it before completing', async () => {
    const waId = '4915400000001';
    const c = await campaign([waId], { retry: true });
    const slice = await sendCampaignSlice(deps, c.id);
    // Meta took the send; without its first status the campaign does not complete yet.
    expect(slice).toMatchObject({ accepted: 1, status: 'sending', nextInSeconds: 60 });
    const wamid = (await rows(c))[0]!.wamid!;

    const failedAt = Math.floor(Date.now() / 1000);
    const refusal = (id: string) => refusalBody(c, id, waId, failedAt);
    expect(await processBodies(t.db, [refusal(wamid)])).toEqual([]);
    const [row] = await rows(c);
    expect(row).toMatchObject({ status: 'limit-deferred', error_code: 131049 });
    expect(row!.next_attempt_at!.getTime()).toBe(failedAt * 1000 + DAY_MS);
    const message = await t.db
      .selectFrom('messages')
      .select('status')
      .where('wamid', '=', wamid)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('failed');
    expect(await sendCampaignSlice(deps, c.id)).toMatchObject({
      status: 'sending',
      nextInSeconds: 900,
    });

    // A day later it goes again; a late duplicate of the old refusal leaves the new send alone.
    await t.db
      .updateTable('campaign_audience')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('campaign_id', '=', c.id)
      .execute();
    await releaseDueDeferrals(t.db, c.id);
    expect(await processBodies(t.db, [refusal(wamid)])).toEqual([]);
    expect((await rows(c))[0]).toMatchObject({ status: 'pending', wamid });
    await sendCampaignSlice(deps, c.id);
    const [resent] = await rows(c);
    expect(resent!.status).toBe('accepted');
    expect(resent!.wamid).not.toBe(wamid);
    expect(sentTo(c)).toEqual([waId, waId]);
  });

  it('a 131049 status for a campaign without the option waits for retry-failed, even after an earlier back-off', async () => {
    const waId = '4915400000002';
    const c = await campaign([waId]);
    // The first try hit the number's throughput limit: the recipient got a back-off time.
    sandbox.fault({ code: 130429, httpStatus: 429 });
    await sendCampaignSlice(deps, c.id);
    await t.db
      .updateTable('campaign_audience')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('campaign_id', '=', c.id)
      .execute();
    await sendCampaignSlice(deps, c.id);
    const wamid = (await rows(c))[0]!.wamid!;

    const body = refusalBody(c, wamid, waId, Math.floor(Date.now() / 1000));
    expect(await processBodies(t.db, [body])).toEqual([]);

    expect((await rows(c))[0]).toMatchObject({
      status: 'limit-deferred',
      error_code: 131049,
      next_attempt_at: null,
    });
    await sendCampaignSlice(deps, c.id);
    expect(sentTo(c)).toEqual([waId]);
  });

  it('retry-failed resends only what can succeed now, never a delivered one, and only once', async () => {
    const waIds = ['4915200000001', '4915200000002', '4915200000003', '4915200000004'];
    const c = await campaign(waIds);
    sandbox.fault({ code: 131026, httpStatus: 400, to: waIds[0]! });
    sandbox.fault({ code: 131030, httpStatus: 400, to: waIds[1]! });
    sandbox.fault({ code: 131049, httpStatus: 400, to: waIds[2]! });
    sandbox.fault({ code: 131026, httpStatus: 400, to: waIds[3]! });
    await sendCampaignSlice(deps, c.id);
    // A later status turned the last failure into delivered after all.
    await t.db
      .updateTable('campaign_audience')
      .set({ delivered_at: new Date() })
      .where('campaign_id', '=', c.id)
      .where('wa_id', '=', waIds[3]!)
      .execute();
    const codes = [131049, 131026];

    // Twice at once: each recipient goes back to the queue once.
    const [a, b] = await Promise.all([
      retryFailedRecipients(t.db, c.id, codes),
      retryFailedRecipients(t.db, c.id, codes),
    ]);
    expect(a.requeued + b.requeued).toBe(1);
    expect(a.waiting).toBe(1);
    expect(a.waitingUntil!.getTime()).toBeGreaterThan(Date.now() + DAY_MS - 60_000);
    expect(a.campaignStatus === 'sending' || b.campaignStatus === 'sending').toBe(true);
    await sendCampaignSlice(deps, c.id);
    expect((await retryFailedRecipients(t.db, c.id, codes)).requeued).toBe(0);
    // The sandbox lists the sends it accepted (the refused ones are not).
    const count = (waId: string) => sentTo(c).filter((to) => to === waId).length;
    expect(waIds.map(count)).toEqual([1, 0, 0, 0]);

    // 24 hours after its refusal, the 131049 recipient can go too (moved back in time here).
    await t.db
      .updateTable('campaign_audience')
      .set({ failed_at: new Date(Date.now() - DAY_MS - 1000) })
      .where('campaign_id', '=', c.id)
      .where('wa_id', '=', waIds[2]!)
      .execute();
    expect((await retryFailedRecipients(t.db, c.id, codes)).requeued).toBe(1);
    await sendCampaignSlice(deps, c.id);
    expect(waIds.map(count)).toEqual([1, 0, 1, 0]);
    expect((await rows(c)).map((r) => r.status)).toEqual([
      'accepted',
      'failed',
      'accepted',
      'failed',
    ]);
  });

  it('never exceeds the 24-hour unique-recipient limit and carries the rest over as limit-deferred', async () => {
    // Meta reported the number's tier through phone_number_quality_update.
    const fields = emptyAccountFieldsBatch();
    fields.phoneNumberEvents.push({
      organizationId: orgId,
      wabaId: WABA,
      displayPhoneNumber: '15550109999',
      event: 'DOWNGRADE',
      currentLimit: 'TIER_250',
      oldLimit: 'TIER_1K',
      maxDailyConversationsPerBusiness: null,
      eventKey: 'downgrade-1',
      occurredAt: new Date(),
      value: {},
    });
    await writeAccountFields(t.db, fields);
    expect(await sendingLimitsOf(t.db, PHONE)).toMatchObject({
      uniqueRecipientsPerDay: 250,
      limitSource: 'tier TIER_250 (phone_number_quality_update)',
    });
    // The portfolio's limit (business_capability_update) is lower, and Meta upgraded the throughput.
    const portfolio = emptyAccountFieldsBatch();
    portfolio.businessCapabilities.push({
      organizationId: orgId,
      wabaId: WABA,
      maxDailyConversationsPerBusiness: 200,
      maxPhoneNumbersPerBusiness: null,
      maxPhoneNumbersPerWaba: null,
      eventKey: 'capability-1',
      occurredAt: new Date(),
    });
    portfolio.phoneNumberEvents.push({
      organizationId: orgId,
      wabaId: WABA,
      displayPhoneNumber: '15550109999',
      event: 'THROUGHPUT_UPGRADE',
      currentLimit: 'TIER_250',
      oldLimit: null,
      maxDailyConversationsPerBusiness: null,
      eventKey: 'upgrade-1',
      occurredAt: new Date(),
      value: {},
    });
    await writeAccountFields(t.db, portfolio);
    expect(await sendingLimitsOf(t.db, PHONE)).toMatchObject({
      uniqueRecipientsPerDay: 200,
      limitSource: 'portfolio limit (business_capability_update)',
      messagesPerSecond: 1000,
    });
    // The operator lowers it further.
    await setSendingLimits(t.db, PHONE, { uniqueRecipientsPerDay: 3, messagesPerSecond: 500 });
    expect(await sendingLimitsOf(t.db, PHONE)).toMatchObject({
      uniqueRecipientsPerDay: 3,
      limitSource: 'set by the operator',
      messagesPerSecond: 500,
    });

    const first = await campaign(['4915300000001', '4915300000002'], { category: 'UTILITY' });
    await sendCampaignSlice(deps, first.id);
    // Two campaigns share the window: the second gets one place, the rest wait.
    const second = await campaign(
      ['4915300000001', '4915300000003', '4915300000004', '4915300000005'],
      { category: 'UTILITY' },
    );
    const slice: SliceResult = await sendCampaignSlice(deps, second.id);
    expect(sentTo(second)).toEqual(['4915300000001', '4915300000003']);
    expect(slice).toMatchObject({ accepted: 2, limitDeferred: 2, status: 'sending' });
    const deferred = (await rows(second)).filter((r) => r.status === 'limit-deferred');
    expect(deferred.map((r) => r.wa_id)).toEqual(['4915300000004', '4915300000005']);
    expect(deferred[0]!.attempts).toBe(0);
    expect(deferred[0]!.last_error).toMatch(
      /messaging limit reached: 3 unique recipients per 24 h/,
    );
    expect(deferred[0]!.next_attempt_at!.getTime()).toBeGreaterThan(Date.now() + DAY_MS - 60_000);
    const report = await campaignReport(t.db, second.id);
    expect(report.stats).toMatchObject({
      limit_deferred: 2,
      failed: 0,
      campaign_status: 'sending',
    });
    expect(report.outcomes).toEqual([
      expect.objectContaining({ status: 'limit-deferred', error_code: null, recipients: 2 }),
    ]);

    // The next window: the earlier sends leave it (moved back in time here) and the rest go.
    await t.db
      .updateTable('messaging_window_recipients')
      .set({ first_sent_at: new Date(Date.now() - DAY_MS - 1000) })
      .execute();
    await t.db
      .updateTable('campaign_audience')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('status', '=', 'limit-deferred')
      .execute();
    const next = await sendCampaignSlice(deps, second.id);
    expect(next).toMatchObject({ accepted: 2, limitDeferred: 0, status: 'completed' });
  });
});
