import { sql } from 'kysely';
import { metaEscape, signPayload } from '@waba/whatsapp';
import {
  messagesEntry,
  textMessage,
  webhookPayload,
  createTestDatabase,
  until,
  type TestDatabase,
} from '@waba/testing';
import { runCli } from '../src/cli';
import type { Stack } from '../src/stack';
import { startTestStack } from './helpers/test-stack';

describe('local stack (npm start) end to end over HTTP', () => {
  let t: TestDatabase;
  let stack: Stack;
  const secret = 'e2e-secret';

  beforeAll(async () => {
    t = await createTestDatabase();
    stack = await startTestStack(t, {
      WHATSAPP_APP_SECRET: secret,
      WHATSAPP_VERIFY_TOKEN: 'e2e-token',
      INGEST_VISIBILITY_TIMEOUT_SECONDS: '1',
      INGEST_MAX_RECEIVE_COUNT: '2',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await t?.destroy();
  });

  const post = (raw: string, signature?: string) =>
    fetch(`${stack.url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-hub-signature-256': signature } : {}),
      },
      body: raw,
    });
  const wire = (body: string) =>
    metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [messagesEntry({ messages: [textMessage({ from: '5511987654321', body })] })],
        }),
      ),
    );

  /** Posts `messages` to number 777 (WABA 888), signed,, and waits for its audit row of `outcome`. */
  const deliverTo777 = async (messages: object[], outcome: 'unrouted' | 'partial') => {
    const raw = metaEscape(
      JSON.stringify(
        webhookPayload({
          entries: [messagesEntry({ phoneNumberId: '777', wabaId: '888', messages })],
        }),
      ),
    );
    expect((await post(raw, signPayload(raw, secret))).status).toBe(200);
    await until(async () =>
      t.db
        .selectFrom('webhook_events')
        .select('id')
        .where('outcome', '=', outcome)
        .executeTakeFirst(),
    );
  };

  it("answers Meta's verification challenge", async () => {
    const ok = await fetch(
      `${stack.url}/webhook?hub.mode=subscribe&hub.verify_token=e2e-token&hub.challenge=31337`,
    );
    expect([ok.status, await ok.text()]).toEqual([200, '31337']);
    const bad = await fetch(
      `${stack.url}/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(bad.status).toBe(403);
  });

  it('stores a signed webhook in messages within seconds', async () => {
    const raw = wire('Olá, tudo bem? 😀');

    const response = await post(raw, signPayload(raw, secret));

    expect(response.status).toBe(200);
    const row = await until(async () =>
      t.db
        .selectFrom('messages')
        .select(['body', 'type', 'direction'])
        .where('body', '=', 'Olá, tudo bem? 😀')
        .executeTakeFirst(),
    );
    expect(row).toEqual({ body: 'Olá, tudo bem? 😀', type: 'text', direction: 'inbound' });
  });

  it('answers 401 to an unsigned webhook and stores nothing', async () => {
    const raw = wire('unsigned');

    expect((await post(raw)).status).toBe(401);
    expect((await post(raw, signPayload(raw, 'wrong'))).status).toBe(401);

    await new Promise((r) => setTimeout(r, 500));
    expect(
      await t.db.selectFrom('messages').select('id').where('body', '=', 'unsigned').execute(),
    ).toEqual([]);
  });

  it('stores a payload over 1 MiB through the S3 claim check', async () => {
    const big = 'x'.repeat(1_100_000);
    const raw = wire(big);

    expect((await post(raw, signPayload(raw, secret))).status).toBe(200);

    const row = await until(async () =>
      t.db
        .selectFrom('messages')
        .select(sql<number>`length(body)`.as('n'))
        .where(sql<boolean>`length(body) > 1000000`)
        .executeTakeFirst(),
    );
    expect(row.n).toBe(big.length);
  });

  it('dead-letters a record that keeps failing, and the CLI redrives it once the cause is fixed', async () => {
    // A faulty trigger stands in for a bad deploy: every insert of this body fails.
    await sql`
      create function refuse_poison() returns trigger language plpgsql as $$
        begin if new.body = 'POISON' then raise exception 'poison refused'; end if; return new; end $$;
      create trigger refuse_poison before insert on messages for each row execute function refuse_poison();
    `.execute(t.db);
    const raw = wire('POISON');
    expect((await post(raw, signPayload(raw, secret))).status).toBe(200);

    const lines: string[] = [];
    await until(async () => {
      lines.length = 0;
      await runCli(['dlq', 'list'], (l) => lines.push(l));
      return lines.some((l) => l.startsWith('1 message(s)'));
    }, 20_000);
    // maxReceiveCount is 2; each `dlq list` peek adds a receive of its own.
    expect(Number(/receives=(\d+)/.exec(lines[0]!)?.[1])).toBeGreaterThanOrEqual(2);
    expect(
      await t.db.selectFrom('messages').select('id').where('body', '=', 'POISON').execute(),
    ).toEqual([]);

    await sql`drop trigger refuse_poison on messages; drop function refuse_poison();`.execute(t.db);
    const out: string[] = [];
    await runCli(['dlq', 'redrive'], (l) => out.push(l));

    expect(out).toEqual(['moved 1 message(s) from the ingest DLQ back to its queue']);
    await until(async () =>
      t.db.selectFrom('messages').select('id').where('body', '=', 'POISON').executeTakeFirst(),
    );
  });

  it('registers an organization and replays its unrouted webhooks from the CLI', async () => {
    await deliverTo777([textMessage({ from: '1', body: 'early bird' })], 'unrouted');

    const out: string[] = [];
    await runCli(
      [
        'org',
        'add',
        '--name',
        'Late Co',
        '--slug',
        'late',
        '--phone-number-id',
        '777',
        '--waba-id',
        '888',
      ],
      (l) => out.push(l),
    );
    await runCli(['webhooks', 'replay-unrouted'], (l) => out.push(l));

    expect(out[1]).toBe(
      'replayed 1: 1 now processed, 0 still unrouted, 0 still misrouted, 0 failed',
    );
    expect(
      await t.db.selectFrom('messages').select('body').where('body', '=', 'early bird').execute(),
    ).toHaveLength(1);
  });

  it('marks a half-readable webhook partial and replays it from the CLI, by outcome and time', async () => {
    await deliverTo777(
      [
        textMessage({ from: '1', body: 'half kept' }),
        { from: '1', timestamp: '1', type: 'text', text: { body: 'x' } }, // no wamid
      ],
      'partial',
    );

    const out: string[] = [];
    await runCli(
      ['webhooks', 'replay', '--outcome', 'partial', '--since', '2000-01-01T00:00:00Z'],
      (l) => out.push(l),
    );
    await runCli(
      ['webhooks', 'replay', '--outcome', 'partial', '--since', '2999-01-01T00:00:00Z'],
      (l) => out.push(l),
    );

    // Today's processor still cannot store the item without a wamid: it stays partial, nothing twice.
    expect(out).toEqual([
      'replayed 1: 0 now processed, 1 still partial, 0 still rejected, 0 still unrouted, 0 still misrouted, 0 failed',
      'replayed 0: 0 now processed, 0 still partial, 0 still rejected, 0 still unrouted, 0 still misrouted, 0 failed',
    ]);
    expect(
      await t.db.selectFrom('messages').select('body').where('body', '=', 'half kept').execute(),
    ).toHaveLength(1);
    await expect(
      runCli(['webhooks', 'replay', '--outcome', 'processed'], () => {}),
    ).rejects.toThrow(/one of partial, rejected, unrouted, misrouted/);
  });
});
