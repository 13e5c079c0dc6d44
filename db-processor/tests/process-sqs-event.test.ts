import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createDb } from '@waba/db';
import { processSqsEvent, replayUnrouted } from '@waba/db-processor';
import {
  ALL_MESSAGE_TYPES,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  accountUpdateEntry,
  messagesEntry,
  qualityUpdateEntry,
  status,
  templateStatusEntry,
  textMessage,
  wamid,
  webhookPayload,
  useTestDatabase,
  databaseState,
  processorDeps,
  recordingAnswerQueue,
  registerDefaultOrganization,
  sqsEvent,
  sqsRecord,
  whileRefusingBody,
  processEntries,
} from '@waba/testing';

const CUSTOMER = '5511999990000';

describe('processSqsEvent()', () => {
  const t = useTestDatabase();
  let orgId: string;

  beforeEach(async () => {
    await t.reset();
    orgId = await registerDefaultOrganization(t.db);
  });

  // A reaction changes the message it names instead (coexistence.test.ts).
  const threadMessages = ALL_MESSAGE_TYPES.filter((f) => f.type !== 'reaction');
  describe.each(threadMessages.map((f) => [f.name, f] as const))(
    'a %s message',
    (_name, fixture) => {
      it('lands in messages with its type, text and raw payload', async () => {
        const payload = webhookPayload({
          entries: [messagesEntry({ messages: [fixture.message] })],
        });

        const result = await processSqsEvent(sqsEvent([sqsRecord(payload)]), processorDeps(t.db));

        expect(result.batchItemFailures).toEqual([]);
        const row = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          organization_id: orgId,
          wamid: fixture.message.id,
          direction: 'inbound',
          type: fixture.type,
          body: fixture.expectedText,
          status: 'received',
          phone_number_id: DEFAULT_PHONE_NUMBER_ID,
          contact_wa_id: fixture.message.from,
        });
        expect(row.payload).toEqual(JSON.parse(JSON.stringify(fixture.message)));
        expect(row.occurred_at.getTime()).toBe(Number(fixture.message.timestamp) * 1000);
      });
    },
  );

  it('stores every status field: conversation, pricing, errors, callback data', async () => {
    const id = wamid(CUSTOMER);
    await processEntries(t.db, [
      messagesEntry({
        statuses: [
          status({
            id,
            status: 'sent',
            recipientId: CUSTOMER,
            timestamp: '1763805600',
            bizOpaque: 'ticket-9',
          }),
          status({ id, status: 'failed', recipientId: CUSTOMER, timestamp: '1763805660' }),
        ],
      }),
    ]);

    const events = await t.db
      .selectFrom('message_status_events')
      .selectAll()
      .orderBy('occurred_at')
      .execute();
    expect(events.map((e) => [e.status, e.error_code, e.pricing_category])).toEqual([
      ['sent', null, 'marketing'],
      ['failed', 131026, null],
    ]);
    expect(events[0]!.conversation_id).toMatch(/^[0-9a-f]{32}$/);
    expect(events[0]).toMatchObject({
      pricing_model: 'PMP',
      pricing_type: 'regular',
      billable: true,
      conversation_origin: 'marketing',
    });
    expect(events[0]!.conversation_expires_at).toBeInstanceOf(Date);
    expect(events[1]).toMatchObject({ pricing_model: null, pricing_type: null, billable: null });
    expect(events[0]!.biz_opaque_callback_data).toBe('ticket-9');
    const message = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(message).toMatchObject({
      wamid: id,
      direction: 'outbound',
      status: 'failed',
      contact_wa_id: CUSTOMER,
      error_code: 131026,
      biz_opaque_callback_data: 'ticket-9',
    });
    expect(message.sent_at).toEqual(new Date(1763805600_000));
    expect(message.failed_at).toEqual(new Date(1763805660_000));
  });

  it('processes every entry, change, message and status of one POST', async () => {
    const second = { phoneNumberId: '200000000000002', wabaId: '300000000000003' };
    const org2 = (
      await t.db
        .insertInto('organizations')
        .values({ name: 'Beta', slug: 'beta' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db
      .insertInto('phone_numbers')
      .values({
        phone_number_id: second.phoneNumberId,
        waba_id: second.wabaId,
        organization_id: org2,
        display_phone_number: null,
        app_id: null,
      })
      .execute();
    const messages = (n: number, from: string) =>
      Array.from({ length: n }, (_, i) => textMessage({ from, body: `m${i}` }));
    const statuses = (n: number) =>
      Array.from({ length: n }, () =>
        status({ id: wamid(CUSTOMER), status: 'delivered', recipientId: CUSTOMER }),
      );
    const entryWithTwoChanges = (
      e: ReturnType<typeof messagesEntry>,
      extra: ReturnType<typeof messagesEntry>,
    ) => ({
      ...e,
      changes: [...e.changes, ...extra.changes],
    });
    const failures = await processEntries(t.db, [
      entryWithTwoChanges(
        messagesEntry({ messages: messages(3, '111') }),
        messagesEntry({ statuses: statuses(4), messages: messages(2, '222') }),
      ),
      entryWithTwoChanges(
        messagesEntry({ ...second, messages: messages(5, '333') }),
        messagesEntry({ ...second, statuses: statuses(3) }),
      ),
    ]);

    expect(failures).toEqual([]);
    const counts = await sql<{ organization_id: string; direction: string; n: number }>`
      select organization_id, direction, count(*)::int as n from messages group by 1, 2 order by 1, 2`.execute(
      t.db,
    );
    expect(counts.rows).toEqual(
      expect.arrayContaining([
        { organization_id: orgId, direction: 'inbound', n: 5 },
        { organization_id: orgId, direction: 'outbound', n: 4 },
        { organization_id: org2, direction: 'inbound', n: 5 },
        { organization_id: org2, direction: 'outbound', n: 3 },
      ]),
    );
    expect(counts.rows).toHaveLength(4);
    // A status names its recipient: a contact of each organization that sent to it.
    expect(await t.db.selectFrom('contacts').select('wa_id').orderBy('wa_id').execute()).toEqual([
      { wa_id: '111' },
      { wa_id: '222' },
      { wa_id: '333' },
      { wa_id: '5511999990000' },
      { wa_id: '5511999990000' },
    ]);
    const audit = await t.db.selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      outcome: 'processed',
      organization_id: null,
      fields: ['messages'],
    });
    expect(audit.item_counts).toMatchObject({ messages: 10, statuses: 7 });
  });

  it('gives the same database state when payloads come 3 times, in random order, in random batches', async () => {
    const payloads = Array.from({ length: 12 }, (_, i) => {
      const out = wamid(CUSTOMER);
      return webhookPayload({
        entries: [
          messagesEntry({
            messages: [
              textMessage({
                from: `55119${i % 4}`,
                body: `hello ${i}`,
                timestamp: String(1763805600 + i),
              }),
            ],
            statuses: [
              status({
                id: out,
                status: 'sent',
                recipientId: CUSTOMER,
                timestamp: String(1763805600 + i),
              }),
              status({
                id: out,
                status: i % 3 === 0 ? 'failed' : 'read',
                recipientId: CUSTOMER,
                timestamp: String(1763805700 + i),
              }),
            ],
          }),
          templateStatusEntry({
            wabaId: DEFAULT_WABA_ID,
            event: i % 2 ? 'APPROVED' : 'REJECTED',
            templateId: String(i),
            templateName: `t${i}`,
          }),
        ],
      });
    });
    const deps = processorDeps(t.db);
    for (const p of payloads) await processSqsEvent(sqsEvent([sqsRecord(p)]), deps);
    const once = await databaseState(t.db);

    await t.reset();
    orgId = await registerDefaultOrganization(t.db);
    const deliveries = payloads.flatMap((p) => [p, p, p]).sort(() => Math.random() - 0.5);
    while (deliveries.length) {
      const size = 1 + Math.floor(Math.random() * 10);
      await processSqsEvent(sqsEvent(deliveries.splice(0, size).map((p) => sqsRecord(p))), deps);
    }
    const thrice = await databaseState(t.db);

    // organization ids differ between the two runs; compare everything else.
    const normalize = (s: Record<string, unknown[]>) =>
      JSON.parse(JSON.stringify(s).replace(/[0-9a-f-]{36}/g, 'ORG'));
    expect(normalize(thrice)).toEqual(normalize(once));
    expect(once.messages).toHaveLength(24);
    expect(once.webhook_events).toHaveLength(12);
  });

  it('stores template, quality and account events routed by WABA id', async () => {
    await processEntries(t.db, [
      templateStatusEntry({
        wabaId: DEFAULT_WABA_ID,
        event: 'REJECTED',
        templateId: '77',
        templateName: 'promo',
        reason: 'INVALID_FORMAT',
      }),
      qualityUpdateEntry({ wabaId: DEFAULT_WABA_ID }),
      accountUpdateEntry({ wabaId: DEFAULT_WABA_ID }),
    ]);

    const rows = await t.db.selectFrom('account_events').selectAll().orderBy('field').execute();
    expect(rows.map((r) => [r.field, r.organization_id])).toEqual([
      ['account_update', orgId],
      ['message_template_status_update', orgId],
      ['phone_number_quality_update', orgId],
    ]);
    expect(rows[1]!.event).toBe('REJECTED');
  });

  it('keeps an unparseable payload as rejected with its reason, without a retry', async () => {
    const result = await processSqsEvent(
      sqsEvent([
        sqsRecord('{"object":"whatsapp_business_account","entry":"nope"}'),
        sqsRecord('not json'),
      ]),
      processorDeps(t.db),
    );

    expect(result.batchItemFailures).toEqual([]);
    const rows = (await t.db.selectFrom('webhook_events').selectAll().execute()).sort((a, b) =>
      a.raw_body < b.raw_body ? -1 : 1,
    );
    expect(rows.map((r) => [r.outcome, r.raw_body])).toEqual([
      ['rejected', 'not json'],
      ['rejected', '{"object":"whatsapp_business_account","entry":"nope"}'],
    ]);
    expect(rows[0]!.error).toMatch(/not JSON/);
    expect(rows[1]!.error).toMatch(/entry/);
  });

  it('keeps the good items of a change when one item is malformed', async () => {
    await processEntries(t.db, [
      messagesEntry({
        messages: [
          textMessage({ from: CUSTOMER, body: 'ok' }),
          { type: 'text' },
          textMessage({ from: CUSTOMER, body: 'ok too' }),
        ],
      }),
    ]);

    expect(await t.db.selectFrom('messages').select('body').orderBy('body').execute()).toEqual([
      { body: 'ok' },
      { body: 'ok too' },
    ]);
    const audit = await t.db.selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
    // The malformed item was not stored: the audit row says so (replayable as partial).
    expect(audit.outcome).toBe('partial');
    expect(audit.error).toMatch(/messages\[1\]/);
  });

  const nineGood = () =>
    Array.from({ length: 9 }, (_, i) =>
      sqsRecord(
        webhookPayload({
          entries: [
            messagesEntry({ messages: [textMessage({ from: CUSTOMER, body: `good ${i}` })] }),
          ],
        }),
      ),
    );
  const oneMessage = (id: string | undefined, body: string) =>
    sqsRecord(
      webhookPayload({
        entries: [messagesEntry({ messages: [textMessage({ from: CUSTOMER, id, body })] })],
      }),
    );

  it('reports only the poison record of a batch of 10; the other 9 commit', async () => {
    // A faulty trigger stands in for a cause outside the data (a bad deploy): a retry may pass.
    const good = nineGood();
    const poison = oneMessage(undefined, 'bad');
    const records = [...good.slice(0, 4), poison, ...good.slice(4)];

    const result = await whileRefusingBody(t.db, 'bad', () =>
      processSqsEvent(sqsEvent(records), processorDeps(t.db)),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    expect((await t.db.selectFrom('messages').select('body').execute()).length).toBe(9);
    expect((await t.db.selectFrom('webhook_events').select('id').execute()).length).toBe(9);
  });

  it('keeps a record Postgres can never store as rejected with its reason, not as poison', async () => {
    const good = nineGood();
    // A wamid longer than a btree index entry may be (and incompressible): no retry can store it.
    const unstorable = oneMessage(`wamid.${randomBytes(8000).toString('base64')}`, 'too long');

    const result = await processSqsEvent(
      sqsEvent([...good.slice(0, 4), unstorable, ...good.slice(4)]),
      processorDeps(t.db),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect((await t.db.selectFrom('messages').select('body').execute()).length).toBe(9);
    const audit = await t.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('outcome', '=', 'rejected')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.raw_body).toBe(unstorable.body);
    expect(audit[0]!.error).toMatch(/^not storable: index row/);
  });

  it('fails the whole batch while the database is down, and stores all of it after recovery', async () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord(
        webhookPayload({
          entries: [messagesEntry({ messages: [textMessage({ from: CUSTOMER, body: `m${i}` })] })],
        }),
      ),
    );
    const down = createDb({
      connectionString: 'postgres://postgres:postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });

    await expect(processSqsEvent(sqsEvent(records), processorDeps(down))).rejects.toThrow(
      /database unavailable/,
    );
    await down.destroy();
    const result = await processSqsEvent(sqsEvent(records), processorDeps(t.db));

    expect(result.batchItemFailures).toEqual([]);
    expect((await t.db.selectFrom('messages').select('id').execute()).length).toBe(10);
  });

  it('keeps an unrouted payload and stores it after the organization is registered and replayed', async () => {
    const stranger = { phoneNumberId: '999000', wabaId: '888000' };
    const payload = webhookPayload({
      entries: [
        messagesEntry({
          ...stranger,
          messages: [textMessage({ from: CUSTOMER, body: 'anyone?' })],
        }),
      ],
    });
    const deps = processorDeps(t.db);

    const result = await processSqsEvent(sqsEvent([sqsRecord(payload)]), deps);

    expect(result.batchItemFailures).toEqual([]);
    expect(await t.db.selectFrom('messages').select('id').execute()).toHaveLength(0);
    const audit = await t.db.selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ outcome: 'unrouted', organization_id: null });
    expect(audit.error).toMatch(/phone_number_id 999000/);

    const org = await t.db
      .insertInto('organizations')
      .values({ name: 'Late', slug: 'late' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('phone_numbers')
      .values({
        phone_number_id: stranger.phoneNumberId,
        waba_id: stranger.wabaId,
        organization_id: org.id,
        display_phone_number: null,
        app_id: null,
      })
      .execute();
    const replay = await replayUnrouted(deps);

    expect(replay).toMatchObject({ replayed: 1, nowProcessed: 1, stillUnrouted: 0, failed: [] });
    expect(await t.db.selectFrom('messages').select(['body', 'organization_id']).execute()).toEqual(
      [{ body: 'anyone?', organization_id: org.id }],
    );
    expect(
      (await t.db.selectFrom('webhook_events').selectAll().executeTakeFirstOrThrow()).outcome,
    ).toBe('processed');
  });

  it('schedules one answer job per conversation with customer messages, with the debounce delay', async () => {
    await t.db
      .insertInto('agent_configs')
      .values({
        organization_id: orgId,
        debounce_seconds: 5,
        allowed_numbers: null,
        vector_store_id: null,
      })
      .execute();
    const answers = recordingAnswerQueue();
    await processEntries(
      t.db,
      [
        messagesEntry({
          messages: [
            textMessage({ from: 'A', body: '1' }),
            textMessage({ from: 'A', body: '2' }),
            textMessage({ from: 'B', body: '3' }),
          ],
          statuses: [status({ id: wamid(CUSTOMER), status: 'sent', recipientId: CUSTOMER })],
        }),
      ],
      { answers },
    );

    const waIdOf = new Map(
      (await t.db.selectFrom('contacts').select(['id', 'wa_id']).execute()).map((c) => [
        c.id,
        c.wa_id,
      ]),
    );
    expect(
      answers.jobs
        .map((j) => [
          waIdOf.get(j.job.contactId!),
          j.job.organizationId,
          j.job.phoneNumberId,
          j.delaySeconds,
        ])
        .sort(),
    ).toEqual([
      ['A', orgId, DEFAULT_PHONE_NUMBER_ID, 5],
      ['B', orgId, DEFAULT_PHONE_NUMBER_ID, 5],
    ]);
  });

  it('upserts contacts with the latest profile name', async () => {
    const entry = (name: string, ts: string) =>
      messagesEntry({
        contacts: [{ profile: { name }, wa_id: CUSTOMER }],
        messages: [textMessage({ from: CUSTOMER, body: name, timestamp: ts })],
      });
    const deps = processorDeps(t.db);

    await processSqsEvent(
      sqsEvent([sqsRecord(webhookPayload({ entries: [entry('New Name', '1763805700')] }))]),
      deps,
    );
    await processSqsEvent(
      sqsEvent([sqsRecord(webhookPayload({ entries: [entry('Old Name', '1763805600')] }))]),
      deps,
    );

    const contact = await t.db.selectFrom('contacts').selectAll().executeTakeFirstOrThrow();
    expect(contact.profile_name).toBe('New Name');
    expect(contact.first_seen_at).toEqual(new Date(1763805600_000));
    expect(contact.last_seen_at).toEqual(new Date(1763805700_000));
  });
});
