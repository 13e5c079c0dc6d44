import fc from 'fast-check';
import pino from 'pino';
import { updateAgentConfig, upsertKnowledge } from '@waba/db';
import { agentFactory, answerConversation, type AnswerDeps } from '@waba/answer-worker';
import { createGraphClient, metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  type TestDatabase,
  startFakeOpenAi,
  type FakeOpenAi,
  sqsRecord,
  startTestSandbox,
  type MetaSandbox,
} from '@waba/testing';
import { processBatch, processorFor } from './helpers/pipeline';
import { PROPERTY_TIMEOUT_MS, countInputs, fcParams, runs } from './helpers/runs';
import { TENANTS, type TenantKey } from './helpers/scenarios';
import { seedTenants } from './helpers/tenants';

/** Every piece of a tenant's data carries its marker; the other tenant's marker must never show. */
const MARKER: Record<TenantKey, string> = { A: 'qaTENANTAmark', B: 'qbTENANTBmark' };
const WORDS = ['delivery', 'refund', 'price'];
// The same customers write to both tenants: their wa_id alone must not join the two histories.
const CUSTOMERS = ['5511911110001', '5511911110002'];

interface Turn {
  tenant: TenantKey;
  customer: number;
  word: number;
}

const roundsArb = fc.array(
  fc.array(
    fc.record({
      tenant: fc.constantFrom<TenantKey>('A', 'B'),
      customer: fc.nat(CUSTOMERS.length - 1),
      word: fc.nat(WORDS.length - 1),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  { minLength: 1, maxLength: 3 },
);

describe("one organization's data never reaches another's agent prompt", () => {
  let t: TestDatabase;
  let llm: FakeOpenAi;
  let sandbox: MetaSandbox;
  let deps: AnswerDeps;
  let prompts = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    llm = await startFakeOpenAi();
    sandbox = await startTestSandbox({
      wabaId: 'w',
      accessToken: 'token',
      logger: pino({ level: 'silent' }),
    });
    deps = {
      db: t.db,
      graph: createGraphClient({ accessToken: 'token', baseUrl: sandbox.url }),
      agentFor: agentFactory({ apiKey: 'test-key', baseURL: llm.baseURL }),
      logger: pino({ level: 'silent' }),
      clock: () => new Date(),
      agentTimeoutMs: 5_000,
    };
  });
  afterAll(async () => {
    countInputs('tenant-isolation-prompts', prompts);
    await sandbox.close();
    await llm.close();
    await t.destroy();
  });

  async function seed(): Promise<void> {
    await t.reset();
    await seedTenants(t.db);
    for (const key of ['A', 'B'] as const) {
      const tenant = TENANTS[key];
      await updateAgentConfig(t.db, tenant.id, {
        kind: 'openai',
        debounce_seconds: 0,
        rate_limit_count: 1000,
        instructions: `You answer for ${MARKER[key]}.`,
      });
      await upsertKnowledge(
        t.db,
        tenant.id,
        'faq',
        WORDS.map((w) => ({ title: `${w} ${MARKER[key]}`, body: `About ${w}: ${MARKER[key]}.` })),
      );
    }
  }

  let second = 1_763_805_600;
  async function customersWrite(turns: readonly Turn[]): Promise<void> {
    const records = turns.map((turn) => {
      const tenant = TENANTS[turn.tenant];
      const from = CUSTOMERS[turn.customer]!;
      const body = `my ${WORDS[turn.word]} question ${MARKER[turn.tenant]}`;
      const message = textMessage({ from, body, timestamp: String(++second) });
      const entry = messagesEntry({ ...tenant, messages: [message] });
      return sqsRecord(metaEscape(JSON.stringify(webhookPayload({ entries: [entry] }))));
    });
    const result = await processBatch(records, processorFor(t.db));
    expect(result.batchItemFailures).toEqual([]);
  }

  it(
    'history, knowledge and instructions in each prompt are its own organization’s only',
    async () => {
      await fc.assert(
        fc.asyncProperty(roundsArb, async (rounds) => {
          await seed();
          for (const turns of rounds) {
            await customersWrite(turns);
            const conversations = new Map(
              turns.map((turn) => [`${turn.tenant}|${turn.customer}`, turn]),
            );
            for (const turn of conversations.values()) {
              const own = MARKER[turn.tenant];
              const other = MARKER[turn.tenant === 'A' ? 'B' : 'A'];
              llm.behave({ reply: { messages: [`Answer from ${own}`] } });
              const before = llm.requests.length;
              const tenant = TENANTS[turn.tenant];

              const outcome = await answerConversation(
                {
                  organizationId: tenant.id,
                  phoneNumberId: tenant.phoneNumberId,
                  contactWaId: CUSTOMERS[turn.customer]!,
                  enqueuedAt: new Date().toISOString(),
                },
                deps,
              );

              expect(outcome.kind).toBe('answered');
              expect(llm.requests).toHaveLength(before + 1);
              const prompt = JSON.stringify(llm.requests[before]!.messages);
              expect(prompt).not.toContain(other);
              // The control: the prompt does carry its own instructions, knowledge and messages.
              expect(prompt).toContain(`You answer for ${own}.`);
              expect(prompt).toContain(`About ${WORDS[turn.word]}: ${own}.`);
              expect(llm.requests[before]!.messages.at(-1)!.content).toContain(`question ${own}`);
              prompts += 1;
            }
          }
        }),
        fcParams(runs(40, 500)),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
