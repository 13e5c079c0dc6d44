import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { decodeWebhookPayload, metaEscape } from '@waba/whatsapp';
import { normalizeWebhook, readRecord } from '@waba/db-processor';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import {
  mutate,
  mutationArb,
  saltWamids,
  spliceDeepNesting,
  type Mutation,
} from './helpers/mutations';
import { inMemoryIngest, postSigned, processBatch, processorFor } from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import { buildPayloads, scenarioArb, type ScenarioSpec } from './helpers/scenarios';
import { storable } from './helpers/storable';
import { TENANT_A, TENANT_B, seedTenants } from './helpers/tenants';

interface FuzzInput {
  scenario: ScenarioSpec;
  mutations: Mutation[];
}

const inputArb: fc.Arbitrary<FuzzInput> = fc.record({
  scenario: scenarioArb,
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
});

const BY_PHONE = new Map([TENANT_A, TENANT_B].map((t) => [t.phoneNumberId, t.id]));
const BY_WABA = new Map([TENANT_A, TENANT_B].map((t) => [t.wabaId, t.id]));
const routed = (row: { phoneNumberId: string | null; wabaId: string }) =>
  (row.phoneNumberId ? BY_PHONE.get(row.phoneNumberId) : undefined) ?? BY_WABA.get(row.wabaId);

/** A webhook built from a scenario, its wamids made its own, then damaged, in Meta's wire form. */
function fuzzBody(input: FuzzInput, salt: string): { raw: string; value: unknown } {
  const payloads = buildPayloads(input.scenario);
  const body = payloads.find((p) => p.startsWith('{"object"')) ?? payloads[0]!;
  let value: unknown;
  try {
    value = mutate(saltWamids(JSON.parse(body), salt), input.mutations);
  } catch {
    return { raw: body, value: body };
  }
  return { raw: spliceDeepNesting(metaEscape(JSON.stringify(value))), value };
}

const isEnvelope = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  (v as { object?: unknown }).object === 'whatsapp_business_account';

/** Every string in a JSON value that carries this input's salt: wamids no other input has. */
function ownWamids(value: unknown, salt: string): string[] {
  const out: string[] = [];
  JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'string' && v.startsWith('wamid.') && v.endsWith(`.${salt}`)) out.push(v);
    return v;
  });
  return out.map(storable);
}

describe('processor fuzz: mutated but signed payloads, through the receiver, into Postgres', () => {
  let t: TestDatabase;
  let inputs = 0;
  const outcomes: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    countInputs('processor-fuzz', inputs, { outcomes });
    await t.destroy();
  });

  it(
    'stores every accepted input as processed, partial, unrouted, misrouted or rejected with its raw body, never partially, never as poison',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(inputArb, { minLength: 10, maxLength: 25 }), async (batch) => {
          await t.reset();
          await seedTenants(t.db);
          const ingest = inMemoryIngest({ maxMessageBytes: 64 * 1024 });
          const accepted: Array<{ raw: string; value: unknown; salt: string }> = [];
          for (const [i, input] of batch.entries()) {
            const salt = `s${i}`;
            const { raw, value } = fuzzBody(input, salt);
            const status = await postSigned(ingest, raw);
            expect(status).toBe(isEnvelope(value) ? 200 : 400);
            if (status === 200) accepted.push({ raw, value, salt });
            outcomes[`http ${status}`] = (outcomes[`http ${status}`] ?? 0) + 1;
          }
          const records = ingest.take();

          const result = await processBatch(records, processorFor(t.db, ingest));

          expect(result.batchItemFailures).toEqual([]);
          const audit = await t.db
            .selectFrom('webhook_events')
            .select(['body_sha256', 'raw_body', 'outcome', 'error'])
            .execute();
          const bySha = new Map(audit.map((a) => [a.body_sha256, a]));
          for (const [i, input] of accepted.entries()) {
            const row = bySha.get(createHash('sha256').update(input.raw).digest('hex'));
            expect(row?.raw_body === input.raw).toBe(true);
            // partial: some item failed validation; the others are stored as below.
            expect(['processed', 'partial', 'unrouted', 'misrouted', 'rejected']).toContain(
              row!.outcome,
            );
            const kind = row!.error?.startsWith('not storable')
              ? 'rejected (not storable)'
              : row!.outcome;
            outcomes[kind] = (outcomes[kind] ?? 0) + 1;
            const own = ownWamids(input.value, input.salt);
            if (row!.outcome === 'rejected') {
              // All or nothing: a rejected webhook left no item behind.
              const { rows } = await sql<{ n: number }>`
              select (select count(*) from messages where wamid = any(${own}::text[]))
                + (select count(*) from message_status_events where wamid = any(${own}::text[])) as n`.execute(
                t.db,
              );
              expect(rows[0]!.n).toBe(0);
              continue;
            }
            // All: every item the webhook routes to an organization is stored.
            const { receivedAt } = await readRecord(records[i]!, ingest.reader);
            const n = normalizeWebhook(decodeWebhookPayload(input.raw), receivedAt);
            // misrouted: an item naming a wamid of another organization, or addressed to a
            // number or WABA bound to another app, is refused (tenant isolation) and named in
            // the audit row's error (its outcome misrouted, or unrouted when that too); every other
            // item is stored.
            const refused = (x: { wamid: string; phoneNumberId: string | null; wabaId: string }) =>
              [
                // The error is stored as Postgres takes text (a NUL becomes U+FFFD), as wamids are.
                `${storable(x.wamid)} names a message of another organization`,
                `phone_number_id ${x.phoneNumberId} is bound to app`,
                `waba ${x.wabaId} is bound to app`,
              ].some((reason) => row!.error?.includes(reason));
            for (const m of n.inbound.filter(routed).filter((x) => !refused(x))) {
              const found = await t.db
                .selectFrom('messages')
                .select('id')
                .where('wamid', '=', storable(m.wamid))
                .executeTakeFirst();
              expect(found).toBeDefined();
            }
            for (const s of n.statuses.filter(routed).filter((x) => !refused(x))) {
              const found = await t.db
                .selectFrom('message_status_events')
                .select('id')
                .where('wamid', '=', storable(s.wamid))
                .where('status', '=', storable(s.status))
                .where('occurred_at', '=', s.occurredAt)
                .executeTakeFirst();
              expect(found).toBeDefined();
            }
          }
          inputs += batch.length;
        }),
        fcParams(runs(200, 4_000)),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
