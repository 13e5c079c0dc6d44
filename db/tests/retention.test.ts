import { sql } from 'kysely';
import { setOrganizationRetention, upsertOrganization } from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  processBodies,
  status,
  textMessage,
  useTestDatabase,
  wamid,
  webhookPayload,
} from '@waba/testing';
import { handleMaintenanceRequest } from '../src/maintenance';

const NUMBER = { phoneNumberId: '3300001', wabaId: '4300001' };
const OTHER = { phoneNumberId: '3300002', wabaId: '4300002' };
const CUSTOMER = '5531900000001';
const DAY = 24 * 60 * 60;

describe('retention per organization (maintenance)', () => {
  const t = useTestDatabase();
  let org: string;
  let other: string;

  const unix = (secondsAgo: number) => String(Math.floor(Date.now() / 1000) - secondsAgo);
  /** A customer message and a status of a reply, both `daysAgo` old, for the organization of `number`. */
  async function ingest(number: typeof NUMBER, text: string, daysAgo: number) {
    const reply = wamid(CUSTOMER);
    const body = webhookPayload({
      entries: [
        messagesEntry({
          ...number,
          messages: [textMessage({ from: CUSTOMER, body: text, timestamp: unix(daysAgo * DAY) })],
          statuses: [
            status({
              id: reply,
              status: 'delivered',
              recipientId: CUSTOMER,
              timestamp: unix(daysAgo * DAY),
            }),
          ],
        }),
      ],
    });
    const raw = metaEscape(JSON.stringify(body));
    expect(await processBodies(t.db, [raw])).toEqual([]);
    // The receiver's time of a body that old.
    await sql`update webhook_events set received_at = now() - make_interval(days => ${daysAgo})
      where raw_body = ${raw}`.execute(t.db);
    await sql`update webhook_event_extracts x set received_at = w.received_at from webhook_events w
      where w.raw_body = ${raw} and x.body_sha256 = w.body_sha256`.execute(t.db);
  }
  const maintain = () =>
    handleMaintenanceRequest(
      { action: 'maintain' },
      {
        db: t.db,
        retention: { webhookEventsMonths: null, statusEventsMonths: null },
        log: () => undefined,
      },
    );

  beforeEach(async () => {
    await t.reset();
    org = (await upsertOrganization(t.db, { name: 'Acme', slug: 'acme', phoneNumbers: [NUMBER] }))
      .id;
    other = (
      await upsertOrganization(t.db, { name: 'Globex', slug: 'globex', phoneNumbers: [OTHER] })
    ).id;
    await setOrganizationRetention(t.db, org, {
      messageDays: 30,
      rawBodyDays: 30,
      statusEventDays: 30,
    });
    await ingest(NUMBER, 'old secret', 40);
    await ingest(NUMBER, 'fresh words', 1);
    await ingest(OTHER, 'globex keeps everything', 40);
  });

  it('redacts the rows past the retention inside kept partitions, and only those', async () => {
    const report = await maintain();

    expect(report).toMatchObject({
      redacted: {
        messages: 1,
        webhook_events: 1,
        webhook_event_extracts: 1,
        message_status_events: 1,
      },
    });
    const messages = await t.db
      .selectFrom('messages')
      .select(['organization_id', 'body', 'status'])
      .where('direction', '=', 'inbound')
      .orderBy('id')
      .execute();
    expect(messages).toEqual([
      { organization_id: org, body: null, status: 'received' },
      { organization_id: org, body: 'fresh words', status: 'received' },
      { organization_id: other, body: 'globex keeps everything', status: 'received' },
    ]);
    const raw = await t.db
      .selectFrom('webhook_events')
      .select(['organization_id', 'raw_body'])
      .orderBy('id')
      .execute();
    expect(raw.map((r) => r.raw_body.includes('secret') || r.raw_body === '{}')).toEqual([
      true,
      false,
      false,
    ]);
    expect(raw[0]!.raw_body).toBe('{}');
    const statuses = await t.db
      .selectFrom('message_status_events')
      .select(['organization_id', 'recipient_id', 'status'])
      .orderBy('id')
      .execute();
    expect(statuses).toEqual([
      { organization_id: org, recipient_id: null, status: 'delivered' },
      { organization_id: org, recipient_id: CUSTOMER, status: 'delivered' },
      { organization_id: other, recipient_id: CUSTOMER, status: 'delivered' },
    ]);
  });

  it('a second run finds nothing more to redact', async () => {
    await maintain();
    const again = await maintain();
    expect(Object.values((again as { redacted: Record<string, number> }).redacted)).toEqual([
      0, 0, 0, 0, 0,
    ]);
  });
});
