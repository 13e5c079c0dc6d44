import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  emptyIngestBatch,
  listWebhookEvents,
  upsertOrganization,
  writeIngestBatch,
  type WebhookOutcome,
} from '@waba/db';
import { replayUnrouted, replayWebhooks } from '@waba/db-processor';
import { metaEscape } from '@waba/whatsapp';
import {
  messagesEntry,
  templateStatusEntry,
  textMessage,
  wamid,
  webhookPayload,
  useTestDatabase,
  processorDeps,
  processBodies,
} from '@waba/testing';

const PHONE = '1000001';
const WABA = '2000001';
const CUSTOMER = '5511999990000';
const OTHER_APP = '424242';

/** A genuine BSUID-only message (no `from`, only `from_user_id`). */
const BSUID_ONLY = readFileSync(
  join(
    __dirname,
    '..',
    '..',
    'whatsapp',
    'tests',
    'fixtures',
    'meta-2026',
    'restfb-text-bsuid-only.json',
  ),
  'utf8',
);

const wire = (payload: object) => metaEscape(JSON.stringify(payload));

/** A message without its wamid: no processor can store it, so its audit row stays partial. */
const NO_WAMID = wire(
  webhookPayload({
    entries: [
      messagesEntry({
        phoneNumberId: PHONE,
        wabaId: WABA,
        messages: [{ from: CUSTOMER, timestamp: '1751247548', type: 'text', text: { body: 'x' } }],
      }),
    ],
  }),
);

/** A template approval for the organization's WABA. */
const approval = (templateId: number, time = 1751247548) =>
  wire(
    webhookPayload({
      entries: [
        {
          ...templateStatusEntry({
            wabaId: WABA,
            event: 'APPROVED',
            templateId,
            templateName: 'order_confirmation',
          }),
          time,
        },
      ],
    }),
  );

describe('nothing is silently half-stored: partial outcomes and replay', () => {
  const t = useTestDatabase();
  let org: string;

  beforeEach(async () => {
    await t.reset();
    org = (
      await upsertOrganization(t.db, {
        name: 'Acme',
        slug: 'acme',
        phoneNumbers: [{ phoneNumberId: PHONE, wabaId: WABA }],
      })
    ).id;
  });

  const deliver = async (bodies: string[]) => {
    expect(await processBodies(t.db, bodies)).toEqual([]);
  };
  const audit = async () => {
    const rows = await listWebhookEvents(t.db);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  /** An audit row as an older processor left it: the raw body kept, its items not stored. */
  const storedAs = async (
    raw: string,
    outcome: WebhookOutcome,
    options: { appId?: string; receivedAt?: Date } = {},
  ) => {
    const batch = emptyIngestBatch();
    batch.webhookEvents.push({
      bodySha256: createHash('sha256').update(raw).digest('hex'),
      organizationId: null,
      appId: options.appId ?? 'default',
      sqsMessageId: null,
      fields: ['message_template_status_update'],
      outcome,
      error: outcome === 'rejected' ? 'unreadable' : 'an item failed validation',
      itemCounts: {},
      rawBody: raw,
      receivedAt: options.receivedAt ?? new Date('2026-11-22T10:00:00Z'),
    });
    await writeIngestBatch(t.db, batch);
  };
  const templates = () =>
    t.db
      .selectFrom('templates')
      .select(['template_id', 'status'])
      .where('organization_id', '=', org)
      .orderBy('template_id')
      .execute();

  describe('an item that fails validation makes the audit row partial, never processed', () => {
    it('a message without `from` beside a valid one', async () => {
      const body = wire(
        webhookPayload({
          entries: [
            messagesEntry({
              phoneNumberId: PHONE,
              wabaId: WABA,
              messages: [
                textMessage({ from: CUSTOMER, body: 'kept', id: wamid(CUSTOMER) }),
                // No wamid: nothing can store it (a message without `from` is no longer unreadable:
                // it belongs to the one contact of its change).
                { from: CUSTOMER, timestamp: '1751247548', type: 'text', text: { body: 'x' } },
              ],
            }),
          ],
        }),
      );
      await deliver([body]);

      const row = await audit();
      expect(row.outcome).toBe('partial');
      expect(row.error).toMatch(/messages\[1\]/);
      expect(row.item_counts).toMatchObject({ messages: 1, invalid: 1 });
      const stored = await t.db.selectFrom('messages').select('body').execute();
      expect(stored).toEqual([{ body: 'kept' }]);
    });

    it('a genuine BSUID-only body, unreadable before contacts had user ids, is read whole', async () => {
      await deliver([BSUID_ONLY]);

      const row = await audit();
      expect(row.outcome).not.toBe('partial');
      expect(row.item_counts).toMatchObject({ invalid: 0 });
    });

    it('a template update without its template id: partial, its value kept in account_events', async () => {
      const body = wire(
        webhookPayload({
          entries: [
            {
              id: WABA,
              time: 1751247548,
              changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }],
            },
          ],
        }),
      );
      await deliver([body]);

      const row = await audit();
      expect(row.outcome).toBe('partial');
      expect(row.error).toMatch(/message_template_id/);
      expect(await templates()).toEqual([]);
      const kept = await t.db.selectFrom('account_events').select('value').execute();
      expect(kept).toEqual([{ value: { event: 'APPROVED' } }]);
    });
  });

  describe('webhooks replay --outcome partial|rejected [--since]', () => {
    it('brings back what an older processor dropped, and a second replay adds nothing', async () => {
      await storedAs(approval(111), 'partial');
      await storedAs(approval(222), 'rejected');

      const first = await replayWebhooks(processorDeps(t.db), {
        outcomes: ['partial', 'rejected'],
      });

      expect(first).toMatchObject({ replayed: 2, nowProcessed: 2, stillPartial: 0, failed: [] });
      expect(await templates()).toEqual([
        { template_id: '111', status: 'APPROVED' },
        { template_id: '222', status: 'APPROVED' },
      ]);
      const outcomes = (await listWebhookEvents(t.db)).map((r) => r.outcome);
      expect(outcomes).toEqual(['processed', 'processed']);

      // Idempotent: the same bodies once more (now processed) store nothing twice.
      const again = await replayWebhooks(processorDeps(t.db), { outcomes: ['processed'] });
      expect(again).toMatchObject({ replayed: 2, nowProcessed: 2 });
      expect(await t.db.selectFrom('template_events').select('id').execute()).toHaveLength(2);
      expect(await t.db.selectFrom('account_events').select('id').execute()).toHaveLength(2);
      expect(
        await replayWebhooks(processorDeps(t.db), { outcomes: ['partial', 'rejected'] }),
      ).toMatchObject({ replayed: 0 });
    });

    it('--since leaves older rows alone', async () => {
      await storedAs(approval(111), 'partial', { receivedAt: new Date('2026-11-01T00:00:00Z') });
      await storedAs(approval(222), 'partial', { receivedAt: new Date('2026-11-20T00:00:00Z') });

      const result = await replayWebhooks(processorDeps(t.db), {
        outcomes: ['partial'],
        since: new Date('2026-11-10T00:00:00Z'),
      });

      expect(result).toMatchObject({ replayed: 1, nowProcessed: 1 });
      expect(await templates()).toEqual([{ template_id: '222', status: 'APPROVED' }]);
    });

    it('keeps the tenancy rule: the stored app signs the replay, and another app writes nothing', async () => {
      await storedAs(approval(111), 'partial', { appId: OTHER_APP });

      const result = await replayWebhooks(processorDeps(t.db), { outcomes: ['partial'] });

      expect(result).toMatchObject({ replayed: 1, stillMisrouted: 1, nowProcessed: 0 });
      expect(await templates()).toEqual([]);
      expect((await audit()).app_id).toBe(OTHER_APP);
    });

    it('a row still unreadable stays partial, with its reason', async () => {
      await storedAs(NO_WAMID, 'partial');

      const result = await replayWebhooks(processorDeps(t.db), { outcomes: ['partial'] });

      expect(result).toMatchObject({ replayed: 1, stillPartial: 1 });
      expect((await audit()).error).toMatch(/messages\[0\]/);
    });

    it('replay-unrouted still replays unrouted rows only', async () => {
      await storedAs(approval(111), 'partial');

      expect(await replayUnrouted(processorDeps(t.db))).toMatchObject({ replayed: 0 });
      expect(await templates()).toEqual([]);
    });
  });
});
