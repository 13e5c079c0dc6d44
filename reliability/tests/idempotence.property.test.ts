import fc from 'fast-check';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import { createTestDatabase, databaseState, type TestDatabase, sqsRecord } from '@waba/testing';
import { processBatch, processorFor } from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import { RECIPIENTS, buildPayloads, scenarioArb, type ScenarioSpec } from './helpers/scenarios';
import { TENANT_A, TENANT_B, seedTenants } from './helpers/tenants';

/** Every delivery of a scenario: which payload, when the receiver got it, in which order and batches. */
interface DeliveryPlan {
  scenario: ScenarioSpec;
  deliveries: Array<{ payload: number; receivedAt: Date }>;
  batchSizes: number[];
}

// Meta retries a webhook for days; retries within one calendar month share an
// audit row (webhook_events is keyed by body and UTC month of receipt, by design).
const MONTH_START = Date.UTC(2026, 10, 1);
const MONTH_MINUTES = 29 * 24 * 60;

const planArb: fc.Arbitrary<DeliveryPlan> = scenarioArb.chain((scenario) => {
  const n = scenario.payloads.length;
  return fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n })
    .chain((copies) => {
      const slots = copies.flatMap((c, payload) => Array.from({ length: c }, () => payload));
      return fc.record({
        scenario: fc.constant(scenario),
        deliveries: fc
          .tuple(
            fc.shuffledSubarray(slots, { minLength: slots.length, maxLength: slots.length }),
            fc.array(fc.nat(MONTH_MINUTES), { minLength: slots.length, maxLength: slots.length }),
          )
          .map(([order, minutes]) =>
            order.map((payload, i) => ({
              payload,
              receivedAt: new Date(MONTH_START + minutes[i]! * 60_000),
            })),
          ),
        batchSizes: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }),
      });
    });
});

const AUDIENCE = {
  [TENANT_A.campaignId]: [RECIPIENTS[0]!, RECIPIENTS[1]!],
  [TENANT_B.campaignId]: [RECIPIENTS[2]!],
};

describe('idempotence: duplicates, disorder and batching do not change the stored state', () => {
  let t: TestDatabase;
  let deliveries = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    countInputs('idempotence-property', deliveries);
    await t.destroy();
  });

  async function freshDatabase(): Promise<void> {
    await t.reset();
    await seedTenants(t.db, { audience: AUDIENCE });
  }

  async function deliver(batch: Array<{ raw: string; receivedAt: Date }>): Promise<void> {
    const records = batch.map((d) =>
      sqsRecord(d.raw, { [A.receivedAt]: d.receivedAt.toISOString() }),
    );
    const result = await processBatch(records, processorFor(t.db));
    expect(result.batchItemFailures).toEqual([]);
  }

  it(
    'each payload delivered 1 to 3 times, in any order, in random batches = each once, in order (whole tables)',
    async () => {
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          const payloads = buildPayloads(plan.scenario);

          await freshDatabase();
          for (const raw of payloads) await deliver([{ raw, receivedAt: new Date(MONTH_START) }]);
          const once = await databaseState(t.db);

          await freshDatabase();
          const queue = plan.deliveries.map((d) => ({
            raw: payloads[d.payload]!,
            receivedAt: d.receivedAt,
          }));
          for (let b = 0; queue.length > 0; b++) {
            await deliver(queue.splice(0, plan.batchSizes[b % plan.batchSizes.length]!));
          }
          const shuffled = await databaseState(t.db);

          expect(shuffled).toEqual(once);
          deliveries += plan.deliveries.length;
        }),
        fcParams(runs(25, 500)),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
