import fc from 'fast-check';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase, sqsRecord } from '@waba/testing';
import { processBatch, processorFor } from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import {
  OUTBOUND_COUNT,
  RECIPIENTS,
  T0,
  TENANTS,
  bizOpaqueOf,
  buildPayloads,
  outboundArb,
  outboundWamid,
  statusArb,
  type OutboundSpec,
  type StatusSpec,
} from './helpers/scenarios';
import { TENANT_A, TENANT_B, seedTenants } from './helpers/tenants';

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 };
const AUDIENCE = {
  [TENANT_A.campaignId]: [RECIPIENTS[0]!, RECIPIENTS[1]!],
  [TENANT_B.campaignId]: [RECIPIENTS[2]!],
};

interface Interleaving {
  outbound: OutboundSpec[];
  /** Status events in arrival order (an event may repeat: Meta redelivers). */
  events: StatusSpec[];
  /** How many consecutive events each webhook carries, and webhooks each SQS batch. */
  perWebhook: number[];
  perBatch: number[];
}

const interleavingArb: fc.Arbitrary<Interleaving> = fc
  .array(statusArb, { minLength: 1, maxLength: 14 })
  .chain((events) =>
    fc.record({
      outbound: fc.array(outboundArb, { minLength: OUTBOUND_COUNT, maxLength: OUTBOUND_COUNT }),
      // Duplicates of some events, then everything in any order.
      events: fc.subarray(events).chain((dups) =>
        fc.shuffledSubarray([...events, ...dups], {
          minLength: events.length + dups.length,
          maxLength: events.length + dups.length,
        }),
      ),
      perWebhook: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
      perBatch: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
    }),
  );

/** Consecutive chunks of `items`, sized by cycling through `sizes`. */
function chunks<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, n = 0; i < items.length; n++) {
    const size = sizes[n % sizes.length]!;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

const at = (s: StatusSpec) => new Date((T0 + s.at) * 1000);

/** The specification: what a set of status events must leave on the message. */
function expectedMessage(out: number, spec: OutboundSpec, events: readonly StatusSpec[]) {
  const mine = events.filter((e) => e.out === out);
  const earliest = (names: string[]) => {
    const times = mine.filter((e) => names.includes(e.status)).map((e) => at(e).getTime());
    return times.length ? new Date(Math.min(...times)) : null;
  };
  const failed = mine.some((e) => e.status === 'failed');
  const best = mine.reduce((b, e) => ((RANK[e.status] ?? 0) > (RANK[b] ?? 0) ? e.status : b), '');
  const own = spec.attribution === 'own';
  return {
    wamid: outboundWamid(out),
    organization_id: TENANTS[spec.tenant].id,
    direction: 'outbound',
    contact_wa_id: RECIPIENTS[out],
    status: failed ? 'failed' : best,
    // read implies delivered implies sent; played (voice) implies read.
    sent_at: earliest(['sent', 'delivered', 'read', 'played']),
    delivered_at: earliest(['delivered', 'read', 'played']),
    read_at: earliest(['read', 'played']),
    failed_at: earliest(['failed']),
    error_code: failed ? spec.failure : null,
    biz_opaque_callback_data: bizOpaqueOf(spec) ?? null,
    campaign_id: own ? TENANTS[spec.tenant].campaignId : null,
  };
}

type Expected = ReturnType<typeof expectedMessage>;

/** Audience rows: the seeded ones, plus one `external` row per attributed message. */
function expectedAudience(messages: readonly Expected[]) {
  const rows = new Map<string, Record<string, unknown>>();
  for (const [campaignId, waIds] of Object.entries(AUDIENCE))
    for (const waId of waIds)
      rows.set(`${campaignId}|${waId}`, {
        campaign_id: campaignId,
        wa_id: waId,
        wamid: null,
        status: 'pending',
        sent_at: null,
        delivered_at: null,
        read_at: null,
        failed_at: null,
        error_code: null,
      });
  for (const m of messages) {
    if (!m.campaign_id) continue;
    rows.set(`${m.campaign_id}|${m.contact_wa_id}`, {
      campaign_id: m.campaign_id,
      wa_id: m.contact_wa_id,
      wamid: m.wamid,
      // Meta's per-user marketing limit defers the recipient; the message keeps failed.
      status: m.status === 'failed' && m.error_code === 131049 ? 'limit-deferred' : m.status,
      sent_at: m.sent_at,
      delivered_at: m.delivered_at,
      read_at: m.read_at,
      failed_at: m.failed_at,
      error_code: m.error_code,
    });
  }
  return [...rows.values()];
}

/** The campaign report's counters, from the expected audience. */
function expectedCounters(audience: ReadonlyArray<Record<string, unknown>>) {
  return [TENANT_A.campaignId, TENANT_B.campaignId].sort().map((campaignId) => {
    const rows = audience.filter((a) => a.campaign_id === campaignId);
    const count = (f: (a: Record<string, unknown>) => boolean) => rows.filter(f).length;
    return {
      campaign_id: campaignId,
      targeted: rows.length,
      accepted: count((a) => a.wamid !== null),
      sent: count((a) => a.sent_at !== null),
      delivered: count((a) => a.delivered_at !== null),
      read: count((a) => a.read_at !== null),
      failed: count((a) => a.status === 'failed'),
    };
  });
}

/** A message's delivery state as both messages and campaign_audience keep it. */
const STATUS_COLUMNS = [
  'status',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
  'error_code',
] as const;

describe('status rules under any interleaving', () => {
  let t: TestDatabase;
  let events = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    countInputs('status-order-property', events);
    await t.destroy();
  });

  it(
    'gives each message, audience row and campaign counter the specified state, whatever the order, duplicates and batching',
    async () => {
      await fc.assert(
        fc.asyncProperty(interleavingArb, async (plan) => {
          await t.reset();
          await seedTenants(t.db, { audience: AUDIENCE });
          const payloads = buildPayloads({
            outbound: plan.outbound,
            payloads: chunks(plan.events, plan.perWebhook).map((statuses) => ({
              kind: 'webhook' as const,
              inbound: [],
              statuses,
              accountEvents: [],
              malformed: false,
            })),
          });

          for (const batch of chunks(payloads, plan.perBatch)) {
            const result = await processBatch(
              batch.map((raw) => sqsRecord(raw)),
              processorFor(t.db),
            );
            expect(result.batchItemFailures).toEqual([]);
          }

          const outs = [...new Set(plan.events.map((e) => e.out))].sort();
          const want = outs.map((out) => expectedMessage(out, plan.outbound[out]!, plan.events));
          const messages = await t.db
            .selectFrom('messages')
            .select([
              'wamid',
              'organization_id',
              'direction',
              'contact_wa_id',
              ...STATUS_COLUMNS,
              'biz_opaque_callback_data',
              'campaign_id',
            ])
            .orderBy('wamid')
            .execute();
          expect(messages).toEqual(want.sort((a, b) => (a.wamid < b.wamid ? -1 : 1)));

          const distinct = new Set(
            plan.events.map((e) => `${outboundWamid(e.out)}|${e.status}|${at(e).toISOString()}`),
          );
          const stored = await t.db
            .selectFrom('message_status_events')
            .select(['wamid', 'status', 'occurred_at'])
            .execute();
          expect(
            stored.map((e) => `${e.wamid}|${e.status}|${e.occurred_at.toISOString()}`).sort(),
          ).toEqual([...distinct].sort());

          const audience = expectedAudience(want);
          const rows = await t.db
            .selectFrom('campaign_audience')
            .select(['campaign_id', 'wa_id', 'wamid', ...STATUS_COLUMNS])
            .execute();
          const byKey = (a: Record<string, unknown>) =>
            `${String(a.campaign_id)}|${String(a.wa_id)}`;
          expect(rows.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1))).toEqual(
            audience.sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)),
          );

          const counters = await sql<Record<string, unknown>>`
          select campaign_id, targeted, accepted, sent, delivered, read, failed
          from campaign_stats order by campaign_id`.execute(t.db);
          expect(counters.rows).toEqual(expectedCounters(audience));
          events += plan.events.length;
        }),
        fcParams(runs(60, 1000)),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
