import { sql } from 'kysely';
import {
  createCampaign,
  eraseContact,
  exportContact,
  findContact,
  importAudience,
  UnknownContactError,
} from '@waba/db';
import { metaEscape } from '@waba/whatsapp';
import {
  fromUsernameUser,
  messagesEntry,
  processBodies,
  textMessage,
  useTestDatabase,
  webhookPayload,
} from '@waba/testing';
import {
  ACME,
  GLOBEX_TEXT,
  OTTO,
  PAULA,
  PAULA_ROWS,
  seedPrivacy,
  type Seeded,
} from './helpers/privacy-seed';

describe('eraseContact()', () => {
  const t = useTestDatabase();
  let s: Seeded;

  beforeEach(async () => {
    await t.reset();
    s = await seedPrivacy(t.db);
  });

  const stats = () =>
    t.db.selectFrom('campaign_stats').selectAll().where('campaign_id', '=', s.campaignId).execute();
  const rawBodies = async () =>
    (await t.db.selectFrom('webhook_events').select('raw_body').orderBy('id').execute()).map(
      (r) =>
        JSON.parse(r.raw_body) as { entry: { changes: { value: Record<string, unknown[]> }[] }[] },
    );

  it("removes the customer's items from a shared raw body and leaves the other customer's and organization's", async () => {
    await eraseContact(t.db, s.acme, { waId: PAULA.waId }, { by: 'ticket-1' });

    const [shared, statuses] = await rawBodies();
    const acme = shared!.entry[0]!.changes[0]!.value;
    expect(acme.messages).toEqual([expect.objectContaining({ from: OTTO.waId, id: s.ottoWamid })]);
    expect(acme.contacts).toEqual([expect.objectContaining({ wa_id: OTTO.waId })]);
    const globex = shared!.entry[1]!.changes[0]!.value;
    expect(globex.messages).toEqual([
      expect.objectContaining({ from: PAULA.waId, text: { body: GLOBEX_TEXT } }),
    ]);
    expect(
      statuses!.entry[0]!.changes[0]!.value.statuses!.map(
        (x) => (x as { recipient_id: string }).recipient_id,
      ),
    ).toEqual([OTTO.waId, OTTO.waId]);
  });

  it('keeps the campaign totals, and the other organization sees its customer as before', async () => {
    const before = await stats();
    const globexBefore = await exportContact(t.db, s.globex, { waId: PAULA.waId });

    await eraseContact(t.db, s.acme, { waId: PAULA.waId }, { by: 'ticket-1' });

    expect(await stats()).toEqual(before);
    expect(before[0]).toMatchObject({ targeted: 2, delivered: 2 });
    expect(await exportContact(t.db, s.globex, { waId: PAULA.waId })).toEqual(globexBefore);
    await expect(exportContact(t.db, s.acme, { waId: PAULA.waId })).rejects.toThrow(
      UnknownContactError,
    );
  });

  it('settles a pending audience row of the customer instead of leaving it to be sent', async () => {
    const next = await createCampaign(t.db, {
      organizationId: s.acme,
      name: 'summer',
      templateName: 'summer_sale',
      templateLanguage: 'en_US',
    });
    await importAudience(t.db, next.id, [
      { line: 2, waId: PAULA.waId, parameters: {} },
      { line: 3, waId: OTTO.waId, parameters: {} },
    ]);

    await eraseContact(t.db, s.acme, { waId: PAULA.waId }, { by: 'ticket-1' });

    const rows = await t.db
      .selectFrom('campaign_audience')
      .select(['wa_id', 'status', 'error_title'])
      .where('campaign_id', '=', next.id)
      .orderBy('line_number')
      .execute();
    expect(rows).toEqual([
      { wa_id: expect.stringMatching(/^erased:/), status: 'failed', error_title: 'contact erased' },
      { wa_id: OTTO.waId, status: 'pending', error_title: null },
    ]);
  });

  it('logs when, by whom and how many rows of which kind, never the data', async () => {
    const report = await eraseContact(t.db, s.acme, { waId: PAULA.waId }, { by: 'ticket-1' });

    const log = await t.db.selectFrom('erasure_log').selectAll().execute();
    expect(log).toEqual([
      expect.objectContaining({ id: report.logId, organization_id: s.acme, erased_by: 'ticket-1' }),
    ]);
    expect(log[0]!.row_counts).toEqual(report.rowCounts);
    expect(report.rowCounts).toMatchObject(PAULA_ROWS);
    expect(log[0]!.kinds).toEqual(Object.keys(report.rowCounts));
    expect(JSON.stringify(log)).not.toContain(PAULA.waId);
  });

  it('treats a later message from the erased number as a new contact, never re-linked', async () => {
    const { contactId } = await eraseContact(
      t.db,
      s.acme,
      { waId: PAULA.waId },
      { by: 'ticket-1' },
    );
    const body = webhookPayload({
      entries: [
        messagesEntry({
          ...ACME,
          messages: [textMessage({ from: PAULA.waId, body: 'hello again' })],
        }),
      ],
    });

    expect(await processBodies(t.db, [metaEscape(JSON.stringify(body))])).toEqual([]);

    const fresh = await findContact(t.db, s.acme, { waId: PAULA.waId });
    expect(fresh!.id).not.toBe(contactId);
    const thread = await t.db
      .selectFrom('messages')
      .select('body')
      .where('contact_id', '=', fresh!.id)
      .execute();
    expect(thread).toEqual([{ body: 'hello again' }]);
    const exported = await exportContact(t.db, s.acme, { waId: PAULA.waId });
    expect(exported.filter((r) => r.kind === 'message')).toHaveLength(1);
  });

  it('erases a customer known only by a business-scoped user id', async () => {
    const user = { userId: 'BR.1122334455667788', username: '@quiet' };
    const { messages, contacts } = fromUsernameUser(
      [textMessage({ body: 'no number from me' })],
      user,
    );
    const body = metaEscape(
      JSON.stringify(webhookPayload({ entries: [messagesEntry({ ...ACME, messages, contacts })] })),
    );
    expect(await processBodies(t.db, [body])).toEqual([]);

    const report = await eraseContact(t.db, s.acme, { userId: user.userId }, { by: 'ticket-3' });

    expect(report.rowCounts).toMatchObject({ contact: 1, message: 1, webhook_event: 1 });
    const left = await sql<{ n: number }>`
      select (select count(*) from contacts where user_id = ${user.userId} or username = ${user.username})
        + (select count(*) from webhook_events where raw_body like ${`%${user.userId}%`})
        + (select count(*) from messages where body = 'no number from me') as n`.execute(t.db);
    expect(left.rows).toEqual([{ n: 0 }]);
  });

  it('changes nothing when the contact is unknown', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from erasure_log`.execute(
      t.db,
    );
    await expect(
      eraseContact(t.db, s.acme, { waId: '5511000000000' }, { by: 'ticket-2' }),
    ).rejects.toThrow(UnknownContactError);
    expect(
      (await sql<{ n: number }>`select count(*)::int as n from erasure_log`.execute(t.db)).rows,
    ).toEqual(before.rows);
  });
});
