import fc from 'fast-check';
import { sql } from 'kysely';
import { metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  webhookPayload,
  createTestDatabase,
  databaseState,
  type TestDatabase,
} from '@waba/testing';
import {
  OTHER_APP,
  inMemoryIngest,
  postSigned,
  processBatch,
  processorFor,
} from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import {
  RECIPIENTS,
  buildPayloads,
  outboundArb,
  payloadArb,
  statusArb,
  statusItem,
  OUTBOUND_COUNT,
  type OutboundSpec,
  type PayloadSpec,
  type GarbageSpec,
  type StatusSpec,
} from './helpers/scenarios';
import { TENANT_A, TENANT_B, seedTenants } from './helpers/tenants';

/** The app tenant A's number is bound to; tenant B's number is the default app's. */
const APP_A = { id: OTHER_APP.id, secret: OTHER_APP.secret };

/**
 * Tenant A's number is bound to app A (OTHER_APP); tenant B's has no app
 * recorded, so it belongs to the default app. Tenant B first gets its own
 * traffic, signed by the default app; then app A sends anything it likes:
 * fresh webhooks to either tenant or nobody, statuses on A's own number that
 * name B's messages, and B's very bodies signed again with A's secret.
 */
interface Plan {
  outbound: OutboundSpec[];
  /** Signed by the default app: B's genuine traffic (A's items in it are misrouted). */
  genuine: Array<PayloadSpec | GarbageSpec>;
  /** Signed by app A. */
  attack: {
    fresh: Array<PayloadSpec | GarbageSpec>;
    /** Statuses of any outbound message, all on A's number. */
    onOwnNumber: StatusSpec[];
    /** Indexes of genuine bodies to re-sign with A's secret. */
    replays: number[];
  };
}

const planArb: fc.Arbitrary<Plan> = fc
  .record({
    outbound: fc.array(outboundArb, { minLength: OUTBOUND_COUNT, maxLength: OUTBOUND_COUNT }),
    genuine: fc.array(payloadArb, { minLength: 1, maxLength: 6 }),
    fresh: fc.array(payloadArb, { maxLength: 4 }),
    onOwnNumber: fc.array(statusArb, { maxLength: 6 }),
    replays: fc.array(fc.nat(5), { maxLength: 3 }),
  })
  .map(({ outbound, genuine, fresh, onOwnNumber, replays }) => ({
    outbound,
    genuine,
    attack: { fresh, onOwnNumber, replays: replays.filter((i) => i < genuine.length) },
  }));

const AUDIENCE = {
  [TENANT_A.campaignId]: [RECIPIENTS[0]!, RECIPIENTS[1]!],
  [TENANT_B.campaignId]: [RECIPIENTS[2]!, RECIPIENTS[3]!],
};

describe("app binding: a body signed by app A changes no row of an organization A isn't bound to", () => {
  let t: TestDatabase;
  let bodies = 0;
  let applied = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    countInputs('app-binding-property', bodies, { runsWhereAppAWroteToA: applied });
    await t.destroy();
  });

  /** Every row of one organization, every column compared (nothing is volatile here). */
  const rowsOf = (organizationId: string) =>
    databaseState(t.db, {
      volatile: new Set(),
      where: (table, row) =>
        (table === 'organizations' ? row.id : row.organization_id) === organizationId,
    });

  async function deliver(raws: string[], app?: typeof APP_A): Promise<void> {
    const ingest = inMemoryIngest();
    for (const raw of raws) {
      const status = await postSigned(ingest, raw, app);
      // Garbage that is not a WhatsApp envelope is refused at the door: nothing to process.
      expect([200, 400]).toContain(status);
    }
    const result = await processBatch(ingest.take(), processorFor(t.db, ingest));
    expect(result.batchItemFailures).toEqual([]);
    bodies += raws.length;
  }

  it(
    "B's rows are identical, column for column, before and after anything app A signs",
    async () => {
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          await t.reset();
          await seedTenants(t.db, { audience: AUDIENCE });
          await sql`update phone_numbers set app_id = ${APP_A.id}
            where organization_id = ${TENANT_A.id}`.execute(t.db);

          const genuine = buildPayloads({ outbound: plan.outbound, payloads: plan.genuine });
          await deliver(genuine);
          const before = await rowsOf(TENANT_B.id);
          const aBefore = await rowsOf(TENANT_A.id);

          const fresh = buildPayloads({ outbound: plan.outbound, payloads: plan.attack.fresh });
          const onOwnNumber = plan.attack.onOwnNumber.length
            ? [
                metaEscape(
                  JSON.stringify(
                    webhookPayload({
                      entries: [
                        messagesEntry({
                          phoneNumberId: TENANT_A.phoneNumberId,
                          wabaId: TENANT_A.wabaId,
                          statuses: plan.attack.onOwnNumber.map((s) =>
                            statusItem(plan.outbound, s),
                          ),
                        }),
                      ],
                    }),
                  ),
                ),
              ]
            : [];
          const replays = plan.attack.replays.map((i) => genuine[i]!);
          await deliver([...fresh, ...onOwnNumber, ...replays], APP_A);

          expect(await rowsOf(TENANT_B.id)).toEqual(before);
          // The control: app A's bodies do reach its own organization when they address it.
          if (JSON.stringify(await rowsOf(TENANT_A.id)) !== JSON.stringify(aBefore)) applied++;
        }),
        fcParams(runs(30, 500)),
      );
      expect(applied).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
