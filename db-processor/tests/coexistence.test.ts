import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upsertOrganization } from '@waba/db';
import { processSqsEvent } from '@waba/db-processor';
import { INGEST_ATTRIBUTES as A } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  useTestDatabase,
  processorDeps,
  recordingAnswerQueue,
  sqsEvent,
  sqsRecord,
  processBodies,
} from '@waba/testing';

/**
 * Issue 12, points 3 and 4, on the genuine bodies of the fixtures corpus
 * (whatsapp/tests/fixtures/meta-2026, EXPECTED.md): each is delivered through
 * the real processor into the real Postgres, in both orders where order matters.
 */
const CORPUS = join(__dirname, '..', '..', 'whatsapp', 'tests', 'fixtures', 'meta-2026');
const fixture = (name: string): string => readFileSync(join(CORPUS, `${name}.json`), 'utf8');

/** The numbers the fixtures are addressed to: Meta's examples, and pywa's test data. */
const META = { phoneNumberId: '106540352242922', wabaId: '102290129340398' };
const PYWA = { phoneNumberId: '1122334455667', wabaId: '1234567890987654321' };
const PYWA_CUSTOMER = '972987654321';
const ORIGINAL = 'wamid.zzzzzz';

/** The message wamid.zzzzzz the edit, caption-edit and revoke fixtures name (not in the corpus). */
const original = (message: Record<string, unknown> = {}) =>
  JSON.stringify(
    webhookPayload({
      entries: [
        messagesEntry({
          ...PYWA,
          messages: [
            {
              ...textMessage({ from: PYWA_CUSTOMER, body: 'Text before the edit', id: ORIGINAL }),
              timestamp: '1697044000',
              ...message,
            },
          ],
        }),
      ],
    }),
  );

describe('coexistence, edits, deletions and reactions (fixtures corpus)', () => {
  const t = useTestDatabase();
  let answers: ReturnType<typeof recordingAnswerQueue>;

  beforeEach(async () => {
    await t.reset();
    answers = recordingAnswerQueue();
    await upsertOrganization(t.db, { name: 'Meta', slug: 'meta', phoneNumbers: [META] });
    await upsertOrganization(t.db, { name: 'Pywa', slug: 'pywa', phoneNumbers: [PYWA] });
  });

  /** Delivers bodies one SQS batch each, in order. */
  const deliver = async (...bodies: string[]) => {
    for (const body of bodies) {
      expect(await processBodies(t.db, [body], { answers })).toEqual([]);
    }
  };
  const message = (wamid: string) =>
    t.db.selectFrom('messages').selectAll().where('wamid', '=', wamid).executeTakeFirst();
  const messages = () =>
    t.db
      .selectFrom('messages')
      .select(['wamid', 'direction', 'source', 'contact_wa_id', 'type', 'body', 'status'])
      .orderBy('wamid')
      .execute();
  const versions = (wamid: string) =>
    t.db
      .selectFrom('message_versions')
      .select(['version', 'body', 'edit_wamid'])
      .where('wamid', '=', wamid)
      .orderBy('version')
      .execute();
  const audits = () =>
    t.db.selectFrom('webhook_events').select(['outcome', 'error']).orderBy('id').execute();

  describe('smb_message_echoes', () => {
    it('stores an echo as an outbound business_app message and never schedules an answer', async () => {
      await deliver(fixture('meta-echo-text'));
      expect(await messages()).toEqual([
        {
          wamid: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA',
          direction: 'outbound',
          source: 'business_app',
          contact_wa_id: '16505551234',
          type: 'text',
          body: "Here's the info you requested! https://www.meta.com/quest/quest-3/",
          status: 'sent',
        },
      ]);
      expect(await t.db.selectFrom('account_events').selectAll().execute()).toEqual([]);
      expect(
        await t.db
          .selectFrom('contacts')
          .select(['wa_id'])
          .where('wa_id', '=', '16505551234')
          .execute(),
      ).toHaveLength(1);
      expect(answers.jobs).toEqual([]);
      expect(await audits()).toEqual([{ outcome: 'processed', error: null }]);
    });

    it('files a BSUID echo under its `to`, with the profile of its contacts block', async () => {
      await deliver(fixture('pywa-echo-text-bsuid'));
      expect(await messages()).toEqual([
        expect.objectContaining({
          wamid: '<WHATSAPP_MESSAGE_ID>',
          direction: 'outbound',
          source: 'business_app',
          contact_wa_id: '<WHATSAPP_USER_PHONE_NUMBER>',
          body: 'Test message',
        }),
      ]);
      const profile = await t.db
        .selectFrom('contacts')
        .select('profile_name')
        .where('wa_id', '=', PYWA_CUSTOMER)
        .executeTakeFirst();
      expect(profile?.profile_name).toBe('Test Name');
      expect(answers.jobs).toEqual([]);
    });

    it('an echo on a number bound to another app is misrouted, not stored', async () => {
      const result = await processSqsEvent(
        sqsEvent([sqsRecord(fixture('meta-echo-text'), { [A.appId]: '424242' })]),
        processorDeps(t.db, { answers }),
      );
      expect(result.batchItemFailures).toEqual([]);
      expect(await messages()).toEqual([]);
      expect(await t.db.selectFrom('contacts').selectAll().execute()).toEqual([]);
      const [audit] = await audits();
      expect(audit?.outcome).toBe('misrouted');
      expect(audit?.error).toContain('phone_number_id 106540352242922 is bound to app default');
    });

    it('an echo edit and an echo revoke change the original, in either order', async () => {
      await deliver(fixture('pywa-echo-edit-text'), original());
      expect(await message(ORIGINAL)).toMatchObject({ body: 'Text was edited' });
      expect((await versions(ORIGINAL)).map((v) => v.body)).toEqual([
        'Text before the edit',
        'Text was edited',
      ]);
      // The published revoke reuses the edit's wamid: kinds are kept apart.
      await deliver(fixture('pywa-echo-revoke'));
      expect(await message(ORIGINAL)).toMatchObject({
        body: null,
        deleted_at: new Date(1697044968 * 1000),
      });
      const customer = await t.db
        .selectFrom('contacts')
        .select('id')
        .where('wa_id', '=', PYWA_CUSTOMER)
        .executeTakeFirstOrThrow();
      expect(answers.jobs.map((j) => j.job.contactId)).toEqual([customer.id]); // the original only
    });
  });

  describe('history', () => {
    it('stores both threads with their own direction, time and status; the sync progress for the operator', async () => {
      await deliver(fixture('meta-history-two-threads'));
      expect(await messages()).toEqual([
        {
          wamid: 'wamid.BIyNDlBOEI5N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGQUQ4NDc0',
          direction: 'outbound',
          source: 'history',
          contact_wa_id: '12125557890',
          type: 'text',
          body: 'Thanks for your order! As a thank you, use code THANKS30 to get 30% of your next order.',
          status: 'delivered',
        },
        {
          wamid: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA',
          direction: 'outbound',
          source: 'history',
          contact_wa_id: '16505551234',
          type: 'text',
          body: "Here's the info you requested! https://www.meta.com/quest/quest-3/",
          status: 'read',
        },
        {
          wamid: 'wamid.N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0',
          direction: 'inbound',
          source: 'history',
          contact_wa_id: '16505551234',
          type: 'text',
          body: 'Thanks!',
          status: 'received',
        },
        {
          wamid: 'wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA',
          direction: 'outbound',
          source: 'history',
          contact_wa_id: '16505551234',
          type: 'media_placeholder',
          body: null,
          status: 'played',
        },
      ]);
      const reply = await message('wamid.N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0');
      expect(reply?.occurred_at).toEqual(new Date(1739230970 * 1000));
      const events = await t.db
        .selectFrom('account_events')
        .select(['field', 'event', 'value'])
        .execute();
      expect(events).toEqual([
        {
          field: 'history',
          event: 'progress',
          value: {
            phase: 0,
            chunk_order: 1,
            progress: 55,
            threads: ['16505551234', '12125557890'],
          },
        },
      ]);
      expect(answers.jobs).toEqual([]);
    });

    it('the echo and the history copy of one message leave one row, whichever comes first', async () => {
      const wamid = 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA';
      const rows = [];
      for (const order of [
        ['meta-echo-text', 'meta-history-two-threads'],
        ['meta-history-two-threads', 'meta-echo-text', 'meta-history-two-threads'],
      ]) {
        await t.reset();
        await upsertOrganization(t.db, { name: 'Meta', slug: 'meta', phoneNumbers: [META] });
        await deliver(...order.map(fixture));
        const row = await message(wamid);
        rows.push({ source: row?.source, status: row?.status, occurred_at: row?.occurred_at });
        expect(await t.db.selectFrom('messages').select('id').execute()).toHaveLength(4);
      }
      expect(rows[0]).toEqual({
        source: 'business_app',
        status: 'read',
        occurred_at: new Date(1739230955 * 1000),
      });
      expect(rows[1]).toEqual(rows[0]);
    });

    it('media content fills the placeholder of the same wamid, in either order', async () => {
      const wamid = 'wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA';
      for (const order of [
        ['meta-history-two-threads', 'meta-history-media-content'],
        ['meta-history-media-content', 'meta-history-two-threads'],
      ]) {
        await t.reset();
        await upsertOrganization(t.db, { name: 'Meta', slug: 'meta', phoneNumbers: [META] });
        await deliver(...order.map(fixture));
        const rows = await t.db
          .selectFrom('messages')
          .selectAll()
          .where('wamid', '=', wamid)
          .execute();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          type: 'image',
          body: 'Black Prince echeveria',
          source: 'history',
        });
        expect((rows[0]!.payload as { image: { id: string } }).image.id).toBe('24230790383178626');
      }
      expect(answers.jobs).toEqual([]);
    });

    it('a declined sync stores no message and is recorded for the number', async () => {
      await deliver(fixture('meta-history-declined'));
      expect(await messages()).toEqual([]);
      const events = await t.db
        .selectFrom('account_events')
        .select(['field', 'event', 'value'])
        .execute();
      expect(events).toEqual([
        {
          field: 'history',
          event: 'declined',
          value: { errors: [expect.objectContaining({ code: 2593109 })] },
        },
      ]);
    });
  });

  describe('username-only (BSUID-only) customers', () => {
    const BSUID = 'US.13491208655302741918';
    const synthesized = (name: string) => fixture(`synthesized/${name}`);
    const thread = () =>
      t.db
        .selectFrom('messages')
        .select(['wamid', 'direction', 'source', 'contact_id', 'contact_wa_id', 'contact_user_id'])
        .orderBy('wamid')
        .execute();

    it.each([
      [
        'their own message first',
        ['restfb-text-bsuid-only', 'echo-text-bsuid-only', 'history-bsuid-only-thread'],
      ],
      [
        'echo and history first, redelivered',
        [
          'history-bsuid-only-thread',
          'echo-text-bsuid-only',
          'restfb-text-bsuid-only',
          'echo-text-bsuid-only',
          'history-bsuid-only-thread',
        ],
      ],
    ])(
      'an echo and a history thread file under the BSUID contact of the customer (%s)',
      async (_order, names) => {
        await deliver(...names.map((n) => (n.startsWith('restfb') ? fixture(n) : synthesized(n))));
        const contacts = await t.db.selectFrom('contacts').selectAll().execute();
        expect(contacts).toEqual([
          expect.objectContaining({
            wa_id: null,
            user_id: BSUID,
            parent_user_id: 'US.ENT.11815799212886844830',
            username: '@realsheenanelson',
            profile_name: 'Sheena Nelson',
          }),
        ]);
        const id = contacts[0]!.id;
        const row = (wamid: string, direction: string, source: string) => ({
          wamid,
          direction,
          source,
          contact_id: id,
          contact_wa_id: null,
          contact_user_id: BSUID,
        });
        expect(await thread()).toEqual([
          row(
            'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
            'inbound',
            'cloud_api',
          ),
          row('wamid.SYNTH-ECHO-BSUID-ONLY-0001', 'outbound', 'business_app'),
          row('wamid.SYNTH-HISTORY-BSUID-ONLY-0001', 'inbound', 'history'),
          row('wamid.SYNTH-HISTORY-BSUID-ONLY-0002', 'outbound', 'history'),
        ]);
        // One audit row per distinct body (a redelivery counts on it), none partial.
        expect((await audits()).map((a) => a.outcome)).toEqual(
          [...new Set(names)].map(() => 'processed'),
        );
        // Only the customer's own live message is a question for the bot.
        expect(answers.jobs.map((j) => j.job.contactId)).toEqual([id]);
      },
    );

    it('an address-book entry known by its BSUID names the same contact', async () => {
      const raw = JSON.parse(fixture('meta-smb-app-state-sync-add')) as {
        entry: Array<{ changes: Array<{ value: { state_sync: Array<Record<string, unknown>> } }> }>;
      };
      const sync = raw.entry[0]!.changes[0]!.value.state_sync[0]!;
      raw.entry[0]!.changes[0]!.value.state_sync = [
        { ...sync, contact: { full_name: 'Sheena N.', user_id: BSUID } },
      ];
      await deliver(fixture('restfb-text-bsuid-only'), JSON.stringify(raw));
      expect(await t.db.selectFrom('contacts').selectAll().execute()).toEqual([
        expect.objectContaining({
          user_id: BSUID,
          profile_name: 'Sheena Nelson',
          address_book_name: 'Sheena N.',
        }),
      ]);
      expect((await audits()).map((a) => a.outcome)).toEqual(['processed', 'processed']);
    });
  });

  describe('smb_app_state_sync', () => {
    it('keeps the address-book name apart from the profile name; a later remove unlinks it', async () => {
      await deliver(fixture('meta-smb-app-state-sync-add'));
      const contact = () =>
        t.db
          .selectFrom('contacts')
          .select(['profile_name', 'address_book_name', 'address_book_updated_at'])
          .where('wa_id', '=', '16505551234')
          .executeTakeFirstOrThrow();
      expect(await contact()).toEqual({
        profile_name: null,
        address_book_name: 'Pablo Morales',
        address_book_updated_at: new Date(1739321024 * 1000),
      });
      const raw = JSON.parse(fixture('meta-smb-app-state-sync-add')) as {
        entry: Array<{ changes: Array<{ value: { state_sync: Array<Record<string, unknown>> } }> }>;
      };
      const sync = raw.entry[0]!.changes[0]!.value.state_sync[0]!;
      const remove = (timestamp: string) => {
        raw.entry[0]!.changes[0]!.value.state_sync = [
          { ...sync, action: 'remove', metadata: { timestamp } },
        ];
        return JSON.stringify(raw);
      };
      // An older remove arriving late changes nothing; a newer one unlinks the name.
      await deliver(remove('1739321000'));
      expect((await contact()).address_book_name).toBe('Pablo Morales');
      await deliver(remove('1739321100'));
      expect((await contact()).address_book_name).toBeNull();
      await deliver(fixture('meta-smb-app-state-sync-add'));
      expect((await contact()).address_book_name).toBeNull();
      expect(answers.jobs).toEqual([]);
    });
  });

  describe('edits', () => {
    it.each([
      ['original first', ['original', 'pywa-edit-text']],
      ['edit first', ['pywa-edit-text', 'original']],
      ['edit redelivered around the original', ['pywa-edit-text', 'original', 'pywa-edit-text']],
    ])('an edit replaces the text and keeps the previous version (%s)', async (_, order) => {
      await deliver(...order.map((name) => (name === 'original' ? original() : fixture(name))));
      expect(await message(ORIGINAL)).toMatchObject({
        body: 'Text was edited',
        edited_at: new Date(1697044968 * 1000),
        deleted_at: null,
      });
      expect(await versions(ORIGINAL)).toEqual([
        { version: 1, body: 'Text before the edit', edit_wamid: null },
        { version: 2, body: 'Text was edited', edit_wamid: 'wamid.yyyyyy' },
      ]);
      expect(await message('wamid.yyyyyy')).toBeUndefined();
      // The original asks for an answer; the edit never does.
      expect(answers.jobs).toHaveLength(1);
    });

    it('an edit and its original in one batch (one transaction), either order', async () => {
      for (const bodies of [
        [fixture('pywa-edit-text'), original()],
        [original(), fixture('pywa-edit-text')],
      ]) {
        await t.reset();
        await upsertOrganization(t.db, { name: 'Pywa', slug: 'pywa', phoneNumbers: [PYWA] });
        const result = await processSqsEvent(
          sqsEvent(bodies.map((b) => sqsRecord(b))),
          processorDeps(t.db, { answers }),
        );
        expect(result.batchItemFailures).toEqual([]);
        expect(await message(ORIGINAL)).toMatchObject({ body: 'Text was edited' });
        expect((await versions(ORIGINAL)).map((v) => v.body)).toEqual([
          'Text before the edit',
          'Text was edited',
        ]);
      }
    });

    it("an edit arriving on another organization's number never changes its message", async () => {
      await deliver(original());
      const elsewhere = fixture('pywa-edit-text').replaceAll(
        PYWA.phoneNumberId,
        META.phoneNumberId,
      );
      await deliver(elsewhere);
      expect(await message(ORIGINAL)).toMatchObject({
        body: 'Text before the edit',
        edited_at: null,
      });
      expect(await versions(ORIGINAL)).toEqual([]);
      // Kept for the other organization, waiting for a message of its own with that wamid.
      const pending = await t.db
        .selectFrom('message_revisions')
        .innerJoin('organizations', 'organizations.id', 'message_revisions.organization_id')
        .select(['organizations.slug', 'message_revisions.kind'])
        .execute();
      expect(pending).toEqual([{ slug: 'meta', kind: 'edit' }]);
    });

    it('a caption edit becomes the image body', async () => {
      const image = original({
        type: 'image',
        text: undefined,
        image: { id: '1', mime_type: 'image/jpeg', caption: 'first caption' },
      });
      await deliver(fixture('pywa-edit-caption'), image);
      expect(await message(ORIGINAL)).toMatchObject({ type: 'image', body: 'caption' });
      expect((await versions(ORIGINAL)).map((v) => v.body)).toEqual(['first caption', 'caption']);
    });

    it('two edits in reverse order leave the latest text', async () => {
      const later = fixture('pywa-edit-text')
        .replace('wamid.yyyyyy', 'wamid.later')
        .replace('1697044968', '1697045000')
        .replace('Text was edited', 'Edited twice');
      await deliver(later, fixture('pywa-edit-text'), original());
      expect(await message(ORIGINAL)).toMatchObject({ body: 'Edited twice' });
      expect((await versions(ORIGINAL)).map((v) => v.body)).toEqual([
        'Text before the edit',
        'Text was edited',
        'Edited twice',
      ]);
    });
  });

  describe('revokes', () => {
    it.each([
      ['original first', ['original', 'pywa-revoke']],
      ['revoke first', ['pywa-revoke', 'original']],
      [
        'edited, then revoked, the edit arriving last',
        ['original', 'pywa-revoke', 'pywa-edit-text'],
      ],
    ])(
      'a revoke marks the original deleted and keeps its text only in the raw body (%s)',
      async (_, order) => {
        await deliver(...order.map((name) => (name === 'original' ? original() : fixture(name))));
        const row = await message(ORIGINAL);
        expect(row).toMatchObject({
          body: null,
          payload: null,
          deleted_at: new Date(1697044968 * 1000),
        });
        const kept = await t.db
          .selectFrom('message_revisions')
          .select(['body', 'payload'])
          .where('wamid', '=', ORIGINAL)
          .execute();
        expect(kept.every((r) => r.body === null && r.payload === null)).toBe(true);
        const raw = await t.db.selectFrom('webhook_events').select('raw_body').execute();
        expect(raw.some((r) => r.raw_body.includes('Text before the edit'))).toBe(true);
        expect(answers.jobs).toHaveLength(1);
      },
    );
  });

  describe('reactions', () => {
    const reactions = () =>
      t.db
        .selectFrom('message_reactions')
        .select(['wamid', 'contact_wa_id', 'direction', 'emoji', 'removed_at'])
        .execute();

    it.each([
      ['add, then remove', ['pywa-message-reaction', 'pywa-message-reaction-removed-empty-emoji']],
      ['remove, then add', ['pywa-message-reaction-removed-empty-emoji', 'pywa-message-reaction']],
    ])('a reaction attaches to its message; an empty emoji removes it (%s)', async (_, order) => {
      await deliver(fixture(order[0]!));
      await deliver(fixture(order[1]!));
      expect(await reactions()).toEqual([
        {
          wamid: 'wamid.yzxyzx=',
          contact_wa_id: PYWA_CUSTOMER,
          direction: 'inbound',
          emoji: '',
          removed_at: new Date(1697044456 * 1000),
        },
      ]);
      expect(await messages()).toEqual([]);
      expect(answers.jobs).toEqual([]);
    });

    it('a reaction stands on its own until its message arrives', async () => {
      await deliver(fixture('pywa-message-reaction'));
      expect(await reactions()).toEqual([
        expect.objectContaining({ wamid: 'wamid.yzxyzx=', emoji: '😮', removed_at: null }),
      ]);
      expect(answers.jobs).toEqual([]);
    });
  });

  describe('redelivery and disorder', () => {
    /** Everything a DBA would read, without row ids and processing times. */
    const snapshot = async () => ({
      messages: await t.db
        .selectFrom('messages')
        .select([
          'wamid',
          'direction',
          'source',
          'contact_wa_id',
          'type',
          'body',
          'payload',
          'status',
          'occurred_at',
          'sent_at',
          'edited_at',
          'deleted_at',
        ])
        .orderBy('wamid')
        .execute(),
      revisions: await t.db
        .selectFrom('message_revisions')
        .select(['wamid', 'revision_wamid', 'kind', 'type', 'body', 'payload', 'occurred_at'])
        .orderBy('wamid')
        .orderBy('kind')
        .orderBy('revision_wamid')
        .execute(),
      reactions: await t.db
        .selectFrom('message_reactions')
        .select(['wamid', 'contact_wa_id', 'direction', 'emoji', 'reacted_at', 'removed_at'])
        .orderBy('wamid')
        .execute(),
      contacts: await t.db
        .selectFrom('contacts')
        .select(['wa_id', 'profile_name', 'address_book_name', 'first_seen_at', 'last_seen_at'])
        .orderBy('wa_id')
        .execute(),
    });
    // The published echo edit and revoke reuse the customer edit's wamid; the media content
    // names its placeholder from the other side: both are tested on their own above.
    const bodies = [
      fixture('meta-echo-text'),
      fixture('meta-history-two-threads'),
      fixture('meta-smb-app-state-sync-add'),
      fixture('pywa-echo-text-bsuid'),
      original(),
      fixture('pywa-edit-text'),
      fixture('pywa-revoke'),
      fixture('pywa-message-reaction'),
      fixture('pywa-message-reaction-removed-empty-emoji'),
    ];
    const orders = [
      bodies,
      [...bodies].reverse(),
      [...bodies.slice(4), ...bodies.slice(0, 4)],
      [...bodies, ...[...bodies].reverse()],
    ];

    it('every order of arrival, with redeliveries, leaves the same rows', async () => {
      const seen = [];
      for (const order of orders) {
        await t.reset();
        await upsertOrganization(t.db, { name: 'Meta', slug: 'meta', phoneNumbers: [META] });
        await upsertOrganization(t.db, { name: 'Pywa', slug: 'pywa', phoneNumbers: [PYWA] });
        await deliver(...order);
        seen.push(await snapshot());
      }
      expect(seen[0]!.messages.length).toBeGreaterThan(0);
      for (const other of seen.slice(1)) expect(other).toEqual(seen[0]);
    });
  });
});
