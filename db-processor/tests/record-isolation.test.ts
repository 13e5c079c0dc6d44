import { INGEST_ATTRIBUTES as A, MAX_JSON_DEPTH, metaEscape } from '@waba/whatsapp';
import { processSqsEvent } from '@waba/db-processor';
import {
  DEFAULT_WABA_ID,
  messagesEntry,
  templateStatusEntry,
  textMessage,
  webhookPayload,
  useTestDatabase,
  processorDeps,
  registerDefaultOrganization,
  sqsEvent,
  sqsRecord,
} from '@waba/testing';

const CUSTOMER = '5511999990000';
const HOLE = '"__HOLE__"';

/** A payload in Meta's wire form with `text` spliced in where `HOLE` stood. */
const withHole = (payload: object, text: string) =>
  metaEscape(JSON.stringify(payload)).replace(HOLE, text);

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/** A template status update whose value carries `text` in an extra field. */
const templateUpdateWith = (text: string) => {
  const entry = templateStatusEntry({
    wabaId: DEFAULT_WABA_ID,
    event: 'APPROVED',
    templateId: 7,
    templateName: 'promo',
  });
  const change = entry.changes[0]!;
  const value = { ...(change.value as object), extra: '__HOLE__' };
  return withHole(
    webhookPayload({ entries: [{ ...entry, changes: [{ ...change, value }] }] }),
    text,
  );
};

// What JSON.parse makes of this breaks zod's length check (it converts `length` to a number).
const UNCONVERTIBLE = '{"length":{"toString":0}}';

describe('processSqsEvent(): any failure of one record isolates that record', () => {
  const t = useTestDatabase();

  beforeEach(async () => {
    await t.reset();
    await registerDefaultOrganization(t.db);
  });

  const goodNeighbours = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      sqsRecord(
        webhookPayload({
          entries: [
            messagesEntry({ messages: [textMessage({ from: CUSTOMER, body: `good ${i}` })] }),
          ],
        }),
      ),
    );

  const audit = () =>
    t.db.selectFrom('webhook_events').select(['sqs_message_id', 'outcome', 'error', 'raw_body']);

  it.each([
    // Signed, 10 KB, passes the receiver; normalizing it overflowed the stack (JSON.stringify).
    ['a template update nested 5,000 levels deep', templateUpdateWith(nested(5_000))],
    [
      'a message nested 5,000 levels deep',
      withHole(
        webhookPayload({
          entries: [
            messagesEntry({
              messages: [{ ...textMessage({ from: CUSTOMER, body: 'x' }), extra: '__HOLE__' }],
            }),
          ],
        }),
        nested(5_000),
      ),
    ],
    [`a body one level deeper than ${MAX_JSON_DEPTH}`, templateUpdateWith(nested(MAX_JSON_DEPTH))],
    [
      'an entry id whose length cannot be converted to a number',
      `{"object":"whatsapp_business_account","entry":[{"id":${UNCONVERTIBLE},"changes":[]}]}`,
    ],
  ])('keeps %s as rejected with its raw bytes; its 9 neighbours commit', async (_label, body) => {
    const good = goodNeighbours(9);
    const bad = sqsRecord(body);

    const result = await processSqsEvent(
      sqsEvent([...good.slice(0, 4), bad, ...good.slice(4)]),
      processorDeps(t.db),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(await t.db.selectFrom('messages').select('id').execute()).toHaveLength(9);
    expect(await t.db.selectFrom('account_events').select('id').execute()).toHaveLength(0);
    const rows = await audit().execute();
    expect(rows).toHaveLength(10);
    const rejected = rows.filter((r) => r.outcome === 'rejected');
    expect(rejected.map((r) => r.sqs_message_id)).toEqual([bad.messageId]);
    expect(rejected[0]!.raw_body === body).toBe(true);
    expect(rejected[0]!.error).toMatch(/deeper than 64 levels|not a WhatsApp envelope/);
  });

  it('stores a body MAX_JSON_DEPTH deep, its deepest value in jsonb', async () => {
    // `extra` sits 6 levels down: body, entry[], entry, changes[], change, value.
    const body = templateUpdateWith(nested(MAX_JSON_DEPTH - 6));

    const result = await processSqsEvent(sqsEvent([sqsRecord(body)]), processorDeps(t.db));

    expect(result.batchItemFailures).toEqual([]);
    expect((await audit().executeTakeFirstOrThrow()).outcome).toBe('processed');
    const event = await t.db.selectFrom('account_events').select('value').executeTakeFirstOrThrow();
    expect(JSON.stringify(event.value)).toContain(nested(MAX_JSON_DEPTH - 6));
  });

  it('keeps the good items of a change when one item makes zod throw', async () => {
    const body = withHole(
      webhookPayload({
        entries: [
          messagesEntry({
            contacts: [{ profile: { name: 'Ana' }, wa_id: CUSTOMER }],
            messages: [
              textMessage({ from: CUSTOMER, body: 'before' }),
              { ...textMessage({ from: CUSTOMER, body: 'hostile' }), from: '__HOLE__' },
              textMessage({ from: CUSTOMER, body: 'after' }),
            ],
          }),
        ],
      }),
      UNCONVERTIBLE,
    );

    const result = await processSqsEvent(
      sqsEvent([sqsRecord(body), ...goodNeighbours(2)]),
      processorDeps(t.db),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(await t.db.selectFrom('messages').select('body').orderBy('body').execute()).toEqual([
      { body: 'after' },
      { body: 'before' },
      { body: 'good 0' },
      { body: 'good 1' },
    ]);
    const row = await audit().where('raw_body', '=', body).executeTakeFirstOrThrow();
    expect(row.outcome).toBe('partial');
    expect(row.error).toMatch(/messages\[1\]: \(item\): unreadable value \(TypeError/);
  });

  it.each([
    ['not JSON', 'not a pointer'],
    ['JSON without a bucket and key', '{"s3":{"bucket":1}}'],
  ])(
    'keeps an ingest message whose claim-check pointer is %s as rejected with its SQS body',
    async (_label, pointer) => {
      const broken = sqsRecord(pointer, { [A.claimCheck]: 's3' });

      const result = await processSqsEvent(
        sqsEvent([broken, ...goodNeighbours(3)]),
        processorDeps(t.db),
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(await t.db.selectFrom('messages').select('id').execute()).toHaveLength(3);
      const row = await audit().where('outcome', '=', 'rejected').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ sqs_message_id: broken.messageId, raw_body: pointer });
      expect(row.error).toMatch(/^ingest message unreadable: /);
    },
  );

  it('still retries a claim-checked body that S3 does not hand out (the next try may)', async () => {
    const pointer = sqsRecord(JSON.stringify({ s3: { bucket: 'b', key: 'k' }, bytes: 1 }), {
      [A.claimCheck]: 's3',
    });

    const result = await processSqsEvent(
      sqsEvent([pointer, ...goodNeighbours(2)]),
      processorDeps(t.db),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: pointer.messageId }]);
    expect(await audit().execute()).toHaveLength(2);
  });
});
