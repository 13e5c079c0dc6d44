import { sql } from 'kysely';
import { listPartitions, maintainPartitions, parseRetentionMonths } from '@waba/db';
import { useTestDatabase } from '@waba/testing';

describe('maintainPartitions()', () => {
  const t = useTestDatabase();

  const ORG = '00000000-0000-4000-8000-0000000000aa';
  const names = async (table: string) =>
    (await listPartitions(t.db)).filter((p) => p.table === table).map((p) => p.partition);

  it('creates the coming months, moves rows out of the default partition, drops expired months', async () => {
    await sql`insert into organizations (id, name, slug) values (${ORG}, 'P', 'p')`.execute(t.db);
    await sql`
      insert into message_status_events (organization_id, wamid, status, occurred_at, payload) values
        (${ORG}, 'w1', 'sent', '2031-05-10 00:00:00+00', '{}'),
        (${ORG}, 'w2', 'sent', '2031-06-30 23:59:59+00', '{}'),
        (${ORG}, 'w3', 'sent', '2030-01-15 00:00:00+00', '{}')`.execute(t.db);
    // Nothing prepared for 2031 yet: the default partition holds the rows.
    const before = await sql<{ p: string }>`
      select tableoid::regclass::text as p from message_status_events where wamid = 'w1'`.execute(
      t.db,
    );
    expect(before.rows[0]!.p).toBe('message_status_events_default');

    const now = new Date('2031-05-20T12:00:00Z');
    const report = await maintainPartitions(t.db, {
      now,
      monthsAhead: 1,
      retention: { webhookEventsMonths: 3, statusEventsMonths: 13 },
    });
    expect(report.created).toEqual([
      'webhook_events_2031_05',
      'webhook_events_2031_06',
      'webhook_event_extracts_2031_05',
      'webhook_event_extracts_2031_06',
      'message_status_events_2031_05',
      'message_status_events_2031_06',
    ]);
    // Everything before 2031-03 (webhook_events) and 2030-05 (status events) went.
    expect(report.dropped.length).toBeGreaterThan(0);
    for (const name of report.dropped) {
      const month = name.slice(-7).replace('_', '-');
      const cutoff = name.startsWith('webhook') ? '2031-03' : '2030-05';
      expect(month < cutoff).toBe(true);
    }
    const placed = await sql<{ wamid: string; p: string }>`
      select wamid, tableoid::regclass::text as p from message_status_events order by wamid`.execute(
      t.db,
    );
    // w3 was older than the retention and only lived in the default partition: deleted.
    expect(placed.rows).toEqual([
      { wamid: 'w1', p: 'message_status_events_2031_05' },
      { wamid: 'w2', p: 'message_status_events_2031_06' },
    ]);
    expect(await names('message_status_events')).toEqual(
      expect.arrayContaining(['message_status_events_2031_05', 'message_status_events_default']),
    );

    // Running it again changes nothing.
    expect(await maintainPartitions(t.db, { now, monthsAhead: 1 })).toEqual({
      created: [],
      dropped: [],
    });
  });

  it('keeps deduplicating redeliveries inside a partition', async () => {
    await maintainPartitions(t.db, { now: new Date('2031-05-20T12:00:00Z'), monthsAhead: 0 });
    const insert = () =>
      sql`
      insert into webhook_events (body_sha256, app_id, outcome, raw_body, received_at, received_month)
      values ('same', 'default', 'processed', '{}', '2031-05-20 12:00:00+00', '2031-05-01')
      on conflict (body_sha256, app_id, received_month) do update
        set delivery_count = webhook_events.delivery_count + 1`.execute(t.db);
    await insert();
    await insert();
    const rows = await sql<{ delivery_count: number }>`
      select delivery_count from webhook_events where body_sha256 = 'same'`.execute(t.db);
    expect(rows.rows).toEqual([{ delivery_count: 2 }]);
  });
});

describe('parseRetentionMonths()', () => {
  it('reads whole months, 0 as keep everything, unset as the default', () => {
    expect(parseRetentionMonths('6', 3)).toBe(6);
    expect(parseRetentionMonths('0', 3)).toBeNull();
    expect(parseRetentionMonths(undefined, 3)).toBe(3);
    expect(parseRetentionMonths('', 13)).toBe(13);
    expect(() => parseRetentionMonths('1.5', 3, '--status-events-months')).toThrow(
      '--status-events-months is whole months, got 1.5',
    );
    expect(() => parseRetentionMonths('-1', 3)).toThrow('retention is whole months');
  });
});
