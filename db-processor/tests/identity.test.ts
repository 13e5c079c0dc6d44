import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { resolveContacts, upsertOrganization, type Db } from '@waba/db';
import { useTestDatabase, recordingAnswerQueue, processBodies } from '@waba/testing';

// Genuine bodies with their sources: whatsapp/tests/fixtures/meta-2026/sources.json and EXPECTED.md.
const FIXTURES = join(__dirname, '../../whatsapp/tests/fixtures/meta-2026');
const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');

const BSUID = 'US.13491208655302741918';
/** The numbers the fixtures name. */
const NUMBERS = [
  { phoneNumberId: '106540352242922', wabaId: '102290129340398' },
  { phoneNumberId: '123456123', wabaId: '1' },
  { phoneNumberId: '1122334455667', wabaId: '1234567890987654321' },
];

describe('contact identity (genuine payloads through the processor)', () => {
  const t = useTestDatabase();
  let org: string;
  let answers: ReturnType<typeof recordingAnswerQueue>;

  beforeEach(async () => {
    await t.reset();
    // One organization owns every number the fixtures name.
    org = await registerFixtures(NUMBERS);
    answers = recordingAnswerQueue();
  });

  const registerFixtures = async (phoneNumbers: typeof NUMBERS) =>
    (await upsertOrganization(t.db, { name: 'Fixtures', slug: 'fixtures', phoneNumbers })).id;

  async function ingest(...names: string[]) {
    for (const name of names) {
      expect(await processBodies(t.db, [fixture(name)], { answers })).toEqual([]);
    }
  }
  const contacts = (db: Db) =>
    db
      .selectFrom('contacts')
      .select(['id', 'wa_id', 'user_id', 'parent_user_id', 'username', 'profile_name'])
      .orderBy('id')
      .execute();
  /** A contact with history: `messages` stored before the payload under test. */
  async function contactWithHistory(address: { waId: string | null; userId: string | null }) {
    const [id] = await resolveContacts(t.db, [
      { organizationId: org, ...address, seenAt: new Date('2025-01-01T00:00:00Z') },
    ]);
    await t.db
      .insertInto('messages')
      .values({
        organization_id: org,
        wamid: `wamid.history-${id}`,
        direction: 'inbound',
        phone_number_id: '1122334455667',
        contact_id: id!,
        contact_wa_id: address.waId,
        contact_user_id: address.userId,
        type: 'text',
        body: 'earlier',
        payload: null,
        status: 'received',
        occurred_at: new Date('2025-01-01T00:00:00Z'),
      })
      .execute();
    return id!;
  }

  it('restfb-text-bsuid-only: a username-only customer becomes a contact without wa_id, and the message is its thread', async () => {
    await ingest('restfb-text-bsuid-only');

    const [contact, ...others] = await contacts(t.db);
    expect(others).toEqual([]);
    expect(contact).toMatchObject({
      wa_id: null,
      user_id: BSUID,
      parent_user_id: 'US.ENT.11815799212886844830',
      username: '@realsheenanelson',
      profile_name: 'Sheena Nelson',
    });
    const message = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(message).toMatchObject({
      direction: 'inbound',
      type: 'text',
      body: 'Does it come in another color?',
      contact_id: contact!.id,
      contact_wa_id: null,
      contact_user_id: BSUID,
      payload: expect.objectContaining({ group_id: '120363418770915618@g.us' }),
    });
    // The bot answers it: one job, naming the contact.
    expect(answers.jobs.map((j) => j.job.contactId)).toEqual([contact!.id]);
  });

  it('restfb-status-delivered-bsuid-only: a status with only recipient_user_id reaches the same contact', async () => {
    await ingest('restfb-text-bsuid-only', 'restfb-status-delivered-bsuid-only');

    const [contact, ...others] = await contacts(t.db);
    expect(others).toEqual([]);
    expect(contact).toMatchObject({ user_id: BSUID, username: '@pablomorales' });
    const event = await t.db
      .selectFrom('message_status_events')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      status: 'delivered',
      recipient_id: null,
      recipient_user_id: BSUID,
      contact_id: contact!.id,
      pricing_category: 'marketing',
    });
    const outbound = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('direction', '=', 'outbound')
      .executeTakeFirstOrThrow();
    expect(outbound).toMatchObject({
      wamid: event.wamid,
      contact_id: contact!.id,
      status: 'delivered',
    });
  });

  it('restfb-contacts-request-bsuid: a message naming no sender belongs to the one contact of its change', async () => {
    await ingest('restfb-contacts-request-bsuid');
    const [contact] = await contacts(t.db);
    expect(contact).toMatchObject({ wa_id: null, user_id: BSUID });
    const message = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(message).toMatchObject({ type: 'contacts', contact_id: contact!.id });
  });

  it('wajs-v25-incoming-text-username: a payload with both ids merges a phone-only and a BSUID-only contact, re-pointing their rows', async () => {
    const byPhone = await contactWithHistory({ waId: '16315551181', userId: null });
    const byUser = await contactWithHistory({ waId: null, userId: BSUID });
    await t.db
      .insertInto('conversations')
      .values([
        { organization_id: org, phone_number_id: '123456123', contact_id: byPhone },
        { organization_id: org, phone_number_id: '123456123', contact_id: byUser },
        { organization_id: org, phone_number_id: '1122334455667', contact_id: byUser },
      ])
      .execute();

    await ingest('wajs-v25-incoming-text-username');

    const all = await contacts(t.db);
    expect(all).toEqual([
      {
        id: byPhone,
        wa_id: '16315551181',
        user_id: BSUID,
        parent_user_id: 'US.11815799212886844830',
        username: '@testusername',
        profile_name: 'test user name',
      },
    ]);
    const thread = await t.db
      .selectFrom('messages')
      .select(['wamid', 'contact_id'])
      .orderBy('occurred_at')
      .orderBy('wamid')
      .execute();
    // (The published body is dated 2017, before the seeded history.)
    expect(thread).toEqual([
      { wamid: 'ABGGFlA5Fpa', contact_id: byPhone },
      { wamid: `wamid.history-${byPhone}`, contact_id: byPhone },
      { wamid: `wamid.history-${byUser}`, contact_id: byPhone },
    ]);
    const conversations = await t.db
      .selectFrom('conversations')
      .select(['phone_number_id', 'contact_id'])
      .orderBy('phone_number_id')
      .execute();
    expect(conversations).toEqual([
      { phone_number_id: '1122334455667', contact_id: byPhone },
      { phone_number_id: '123456123', contact_id: byPhone },
    ]);
    const merges = await t.db
      .selectFrom('contact_identity_changes')
      .select(['kind', 'contact_id', 'previous_user_id'])
      .execute();
    expect(merges).toEqual([{ kind: 'merge', contact_id: byPhone, previous_user_id: BSUID }]);
  });

  it('wajs-v25 statuses: recipient_id and recipient_user_id both kept, on the one contact', async () => {
    await ingest(
      'wajs-v25-incoming-text-username',
      'wajs-v25-status-sent-pmp',
      'wajs-v25-status-delivered',
    );
    const [contact, ...others] = await contacts(t.db);
    expect(others).toEqual([]);
    const events = await t.db
      .selectFrom('message_status_events')
      .select(['status', 'recipient_id', 'recipient_user_id', 'contact_id', 'conversation_id'])
      .orderBy('status', 'desc')
      .execute();
    expect(events).toEqual([
      {
        status: 'sent',
        recipient_id: '16315551181',
        recipient_user_id: BSUID,
        contact_id: contact!.id,
        conversation_id: 'CONVERSATION_ID',
      },
      {
        status: 'delivered',
        recipient_id: '16315551181',
        recipient_user_id: BSUID,
        contact_id: contact!.id,
        conversation_id: 'CONVERSATION_ID',
      },
    ]);
  });

  it.each([
    [
      'pywa-system-user-changed-user-id',
      { waId: null, userId: 'CO.1234567890' },
      { user_id: 'MX.0987654321' },
      { previous_user_id: 'CO.1234567890', user_id: 'MX.0987654321' },
    ],
    [
      'restfb-system-user-changed-user-id-bsuid',
      { waId: null, userId: 'US.10101010101010101010' },
      { user_id: BSUID, parent_user_id: 'US.ENT.11815799212886844830' },
      { previous_user_id: 'US.10101010101010101010', user_id: BSUID },
    ],
    [
      'pywa-system-user-changed-number',
      { waId: '972987654321', userId: null },
      { wa_id: '972912345678' },
      { previous_wa_id: '972987654321', wa_id: '972912345678' },
    ],
  ] as const)(
    '%s: re-keys the contact, keeping its history, and starts no answer',
    async (name, before, after, change) => {
      const id = await contactWithHistory(before);

      await ingest(name);

      const all = await contacts(t.db);
      expect(all).toEqual([expect.objectContaining({ id, ...after })]);
      const thread = await t.db
        .selectFrom('messages')
        .select(['wamid', 'contact_id', 'type'])
        .orderBy('occurred_at')
        .execute();
      expect(thread).toEqual([
        { wamid: `wamid.history-${id}`, contact_id: id, type: 'text' },
        { wamid: expect.any(String), contact_id: id, type: 'system' },
      ]);
      const changes = await t.db.selectFrom('contact_identity_changes').selectAll().execute();
      expect(changes).toEqual([
        expect.objectContaining({
          contact_id: id,
          kind: expect.stringMatching(/^user_changed_/),
          ...change,
        }),
      ]);
      expect(answers.jobs).toEqual([]);
    },
  );

  it('restfb-user-id-update: the contact with that phone number takes the new user id', async () => {
    const id = await contactWithHistory({ waId: '16505551234', userId: 'US.10101010101010101010' });

    await ingest('restfb-user-id-update');

    expect(await contacts(t.db)).toEqual([
      expect.objectContaining({
        id,
        wa_id: '16505551234',
        user_id: BSUID,
        parent_user_id: 'US.ENT.11815799212886844830',
      }),
    ]);
    const changes = await t.db.selectFrom('contact_identity_changes').selectAll().execute();
    expect(changes).toEqual([
      expect.objectContaining({
        contact_id: id,
        kind: 'user_id_update',
        previous_user_id: 'US.10101010101010101010',
        user_id: BSUID,
      }),
    ]);
    const audit = await sql<{ n: number }>`
      select count(*)::int as n from account_events where field = 'user_id_update'`.execute(t.db);
    expect(audit.rows).toEqual([{ n: 1 }]);
  });

  it('gives the same contacts whatever order and however often the identity payloads come', async () => {
    const names = [
      'restfb-text-bsuid-only',
      'wajs-v25-incoming-text-username',
      'restfb-status-delivered-bsuid-only',
      'wajs-v25-status-delivered',
    ];
    await ingest(...names);
    const state = async () =>
      (await contacts(t.db)).map(({ id: _id, ...c }) => JSON.stringify(c)).sort();
    const once = await state();
    await t.reset();
    org = await registerFixtures(NUMBERS.slice(0, 2));
    await ingest(...[...names].reverse(), ...names);
    expect(await state()).toEqual(once);
  });
});
