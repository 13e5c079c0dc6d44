import {
  claimMessages,
  debounceSecondsOf,
  emptyIngestBatch,
  lastAttemptAt,
  lockConversation,
  nextSendSlot,
  releaseAttempt,
  reserveSendSlots,
  unansweredMessages,
  updateAgentConfig,
  updateConversation,
  upsertOrganization,
  writeIngestBatch,
  type AnswerAttemptKind,
  type ConversationKey,
  type InboundMessageInput,
} from '@waba/db';
import pg from 'pg';
import { until, useTestDatabase } from '@waba/testing';

const CUSTOMER = '5511999990000';
const T0 = new Date('2026-11-22T10:00:00Z');

describe('answer claim repository', () => {
  const t = useTestDatabase();
  let key: ConversationKey;

  beforeEach(async () => {
    await t.reset();
    const org = await upsertOrganization(t.db, {
      name: 'acme',
      slug: 'acme',
      phoneNumbers: [{ phoneNumberId: '1001', wabaId: 'waba-acme' }],
    });
    const inbound = (wamid: string, type: string, minute: number): InboundMessageInput => ({
      organizationId: org.id,
      wamid,
      phoneNumberId: '1001',
      contactWaId: CUSTOMER,
      type,
      body: type === 'text' ? wamid : null,
      payload: {},
      contextWamid: null,
      occurredAt: new Date(T0.getTime() + minute * 60_000),
    });
    const result = await t.db.transaction().execute((trx) =>
      writeIngestBatch(trx, {
        ...emptyIngestBatch(),
        inbound: [
          inbound('wamid.B', 'text', 2),
          inbound('wamid.A', 'text', 1),
          inbound('wamid.R', 'reaction', 3),
          inbound('wamid.U', 'unsupported', 4),
        ],
      }),
    );
    key = result.conversations[0]!;
  });

  const claim = (kind: AnswerAttemptKind, state: 'sending' | 'skipped' = 'sending') =>
    t.db.transaction().execute(async (trx) => {
      await lockConversation(trx, key);
      const messages = await unansweredMessages(trx, key);
      return claimMessages(trx, key, messages, { state, kind, now: T0 });
    });

  it('unansweredMessages() lists answerable and unsupported turns, oldest first, until claimed', async () => {
    const before = await unansweredMessages(t.db, key);
    expect(before.map((m) => m.wamid)).toEqual(['wamid.A', 'wamid.B', 'wamid.U']);

    const attemptId = await claim('answer');

    expect(await unansweredMessages(t.db, key)).toEqual([]);
    const attempt = await t.db
      .selectFrom('answer_attempts')
      .selectAll()
      .where('id', '=', attemptId)
      .executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({
      state: 'sending',
      answers_wamids: ['wamid.A', 'wamid.B', 'wamid.U'],
      finished_at: null,
    });
  });

  it('lockConversation() waits for the contact before it locks the conversation (no deadlock with the processor)', async () => {
    await t.db.transaction().execute((trx) => lockConversation(trx, key));
    // A processor's batch holds the contact row (here: it learns the customer's BSUID).
    const processor = new pg.Client({ connectionString: t.url });
    await processor.connect();
    try {
      await processor.query('begin');
      await processor.query(`update contacts set user_id = 'BR.1' where id = $1`, [key.contactId]);
      const worker = claim('answer');
      await until(async () => {
        const { rows } = await processor.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where wait_event_type = 'Lock' and datname = current_database()`,
        );
        return rows[0]!.n > 0;
      });
      // The waiting worker holds no conversation lock that the processor could queue on.
      const { rows } = await processor.query(
        `select 1 from conversations where contact_id = $1 for update skip locked`,
        [key.contactId],
      );
      expect(rows).toHaveLength(1);
      await processor.query('rollback');
      await expect(worker).resolves.toEqual(expect.any(String));
    } finally {
      await processor.end();
    }
  });

  it('lockConversation() creates the conversation once', async () => {
    const first = await t.db.transaction().execute((trx) => lockConversation(trx, key));
    await updateConversation(t.db, key, { rate_window_count: 3 });
    const again = await t.db.transaction().execute((trx) => lockConversation(trx, key));
    expect([first.rate_window_count, again.rate_window_count]).toEqual([0, 3]);
  });

  it('lastAttemptAt() is the latest attempt of that kind that was not given up', async () => {
    expect(await lastAttemptAt(t.db, key, 'unsupported')).toBeNull();
    await claim('unsupported', 'skipped');
    expect(await lastAttemptAt(t.db, key, 'unsupported')).toBeNull();
    await t.db.updateTable('messages').set({ answer_attempt_id: null }).execute();
    const noticed = await claim('unsupported');
    const { created_at } = await t.db
      .selectFrom('answer_attempts')
      .select('created_at')
      .where('id', '=', noticed)
      .executeTakeFirstOrThrow();
    expect(await lastAttemptAt(t.db, key, 'unsupported')).toEqual(created_at);
    expect(await lastAttemptAt(t.db, key, 'handoff')).toBeNull();
  });

  it('releaseAttempt() gives the messages back and the rate-limit slot of an answer', async () => {
    const attemptId = await claim('answer');
    await updateConversation(t.db, key, { rate_window_count: 2 });

    await releaseAttempt(t.db, attemptId, 'Graph API asked to retry');

    expect((await unansweredMessages(t.db, key)).length).toBe(3);
    const conversation = await t.db.transaction().execute((trx) => lockConversation(trx, key));
    expect(conversation.rate_window_count).toBe(1);
    const attempt = await t.db
      .selectFrom('answer_attempts')
      .select(['state', 'error'])
      .executeTakeFirstOrThrow();
    expect(attempt).toEqual({ state: 'failed', error: 'Graph API asked to retry' });
  });

  it('releaseAttempt() of a handoff notice resumes the bot', async () => {
    const attemptId = await claim('handoff');
    await updateConversation(t.db, key, { bot_paused: true, paused_reason: 'asked' });

    await releaseAttempt(t.db, attemptId, 'retry');

    const conversation = await t.db.transaction().execute((trx) => lockConversation(trx, key));
    expect(conversation).toMatchObject({ bot_paused: false, paused_reason: null });
  });

  it('debounceSecondsOf() names only organizations with a configuration', async () => {
    await updateAgentConfig(t.db, key.organizationId, { debounce_seconds: 7 });
    const other = '00000000-0000-4000-8000-000000000000';
    const delays = await debounceSecondsOf(t.db, [key.organizationId, other]);
    expect([...delays]).toEqual([[key.organizationId, 7]]);
    expect(await debounceSecondsOf(t.db, [])).toEqual(new Map());
  });

  it('nextSendSlot() is where the last reservation ends', async () => {
    expect(await nextSendSlot(t.db, '1001')).toBeNull();
    const start = await reserveSendSlots(t.db, '1001', 10, 10);
    const next = await nextSendSlot(t.db, '1001');
    expect(next!.getTime() - start.getTime()).toBe(1000);
  });
});
