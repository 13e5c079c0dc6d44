import { processSqsEvent } from '@waba/db-processor';
import {
  messagesEntry,
  status,
  wamid,
  webhookPayload,
  createTestDatabase,
  type TestDatabase,
  processorDeps,
  registerDefaultOrganization,
  sqsEvent,
  sqsRecord,
  processEntries,
} from '@waba/testing';

const TS: Record<string, number> = {
  sent: 1763805600,
  delivered: 1763805610,
  read: 1763805620,
  failed: 1763805630,
};

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** What the specification says a set of status events must leave behind. */
function expected(statuses: string[]) {
  const at = (names: string[]) => {
    const ts = statuses.filter((s) => names.includes(s)).map((s) => TS[s]!);
    return ts.length ? new Date(Math.min(...ts) * 1000) : null;
  };
  const rank = ['sent', 'delivered', 'read'];
  return {
    status: statuses.includes('failed') ? 'failed' : rank.filter((r) => statuses.includes(r)).pop(),
    sent_at: at(['sent', 'delivered', 'read']),
    delivered_at: at(['delivered', 'read']), // read implies delivered
    read_at: at(['read']),
    failed_at: at(['failed']),
  };
}

const ORDERS = [
  ...permutations(['sent', 'delivered', 'read', 'failed']),
  ...permutations(['sent', 'delivered', 'read']),
  ...permutations(['sent', 'read']), // delivered skipped: read at once
  ['read'],
  ['delivered', 'failed'],
];

describe('status rules', () => {
  let t: TestDatabase;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    orgId = await registerDefaultOrganization(t.db);
  });
  afterAll(() => t.destroy());

  it.each(ORDERS.map((order) => [order.join(' → '), order] as const))(
    '%s, one webhook each, gives the specified final state (also on the campaign audience row)',
    async (_name, order) => {
      const recipient = `55${Math.floor(Math.random() * 1e10)}`;
      const campaign = await t.db
        .insertInto('campaigns')
        .values({
          organization_id: orgId,
          name: 'c',
          phone_number_id: null,
          template_name: 'promo',
          template_language: 'en',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto('campaign_audience')
        .values({
          campaign_id: campaign.id,
          organization_id: orgId,
          wa_id: recipient,
          wamid: null,
          error_code: null,
          error_title: null,
        })
        .execute();
      const id = wamid(recipient);
      const deps = processorDeps(t.db);

      for (const s of order) {
        const event = status({
          id,
          status: s,
          recipientId: recipient,
          timestamp: String(TS[s]),
          bizOpaque: `campaign:${campaign.id}`,
        });
        const result = await processSqsEvent(
          sqsEvent([
            sqsRecord(webhookPayload({ entries: [messagesEntry({ statuses: [event] })] })),
          ]),
          deps,
        );
        expect(result.batchItemFailures).toEqual([]);
      }

      const want = expected(order);
      const message = await t.db
        .selectFrom('messages')
        .selectAll()
        .where('wamid', '=', id)
        .executeTakeFirstOrThrow();
      expect(message).toMatchObject({
        ...want,
        direction: 'outbound',
        campaign_id: campaign.id,
        contact_wa_id: recipient,
      });
      const audience = await t.db
        .selectFrom('campaign_audience')
        .selectAll()
        .where('campaign_id', '=', campaign.id)
        .executeTakeFirstOrThrow();
      expect(audience).toMatchObject({ ...want, wamid: id });
      const events = await t.db
        .selectFrom('message_status_events')
        .select('status')
        .where('wamid', '=', id)
        .execute();
      expect(events.map((e) => e.status).sort()).toEqual([...order].sort());
    },
  );

  it('collapses a redelivered status event but keeps every distinct one', async () => {
    const id = wamid('5511');
    const sent = status({ id, status: 'sent', recipientId: '5511', timestamp: '1763805600' });
    const payload = webhookPayload({ entries: [messagesEntry({ statuses: [sent, sent] })] });
    const deps = processorDeps(t.db);

    await processSqsEvent(sqsEvent([sqsRecord(payload), sqsRecord(payload)]), deps);
    await processSqsEvent(sqsEvent([sqsRecord(payload)]), deps);

    expect(
      await t.db
        .selectFrom('message_status_events')
        .select('status')
        .where('wamid', '=', id)
        .execute(),
    ).toEqual([{ status: 'sent' }]);
  });

  it('ignores a campaign reference to a campaign of another organization', async () => {
    const other = await t.db
      .insertInto('organizations')
      .values({ name: 'Other', slug: `o-${Date.now()}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const foreign = await t.db
      .insertInto('campaigns')
      .values({
        organization_id: other.id,
        name: 'x',
        phone_number_id: null,
        template_name: null,
        template_language: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = wamid('5512');
    await processEntries(t.db, [
      messagesEntry({
        statuses: [
          status({
            id,
            status: 'sent',
            recipientId: '5512',
            bizOpaque: `campaign:${foreign.id}`,
          }),
        ],
      }),
    ]);

    const message = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('wamid', '=', id)
      .executeTakeFirstOrThrow();
    expect(message.campaign_id).toBeNull();
    expect(message.biz_opaque_callback_data).toBe(`campaign:${foreign.id}`);
  });
});
