import { sql } from 'kysely';
import { migrateDown, migrateToLatest } from '@waba/db';
import { migrations } from '../migrations';
import { useTestDatabase } from '@waba/testing';

describe('migrations', () => {
  const t = useTestDatabase();

  /** Tables and views, without partitions and the migrator's own tables. */
  const relations = async () =>
    (
      await sql<{ relname: string }>`
        select relname from pg_class
        where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v')
          and not relispartition and relname not like 'kysely_%' order by 1`.execute(t.db)
    ).rows.map((r) => r.relname);

  const names = Object.keys(migrations);

  it('creates every table and view of the schema', async () => {
    expect(await relations()).toEqual([
      'account_events',
      'agent_configs',
      'analyst_bindings',
      'answer_attempts',
      'api_idempotency',
      'api_keys',
      'api_rate_windows',
      'business_capabilities',
      'calls',
      'campaign_audience',
      'campaign_daily_stats',
      'campaign_failure_reasons',
      'campaign_outcome_reasons',
      'campaign_spend',
      'campaign_stats',
      'campaigns',
      'contact_identity_changes',
      'contacts',
      'conversations',
      'daily_spend',
      'erasure_log',
      'knowledge_entries',
      'marketing_preferences',
      'media_objects',
      'message_costs',
      'message_reactions',
      'message_revisions',
      'message_status_events',
      'message_versions',
      'messages',
      'messaging_window_recipients',
      'opt_out_keywords',
      'organizations',
      'phone_number_events',
      'phone_number_limits',
      'phone_numbers',
      'rate_cards',
      'send_rate_slots',
      'sending_limits',
      'standby_events',
      'suppressions',
      'template_events',
      'templates',
      'webhook_event_extracts',
      'webhook_events',
    ]);
  });

  it('goes all the way down and up again, and re-running up is a no-op', async () => {
    for (let i = 0; i < names.length; i++) await migrateDown(t.db);
    expect(await relations()).toEqual([]);
    expect(await migrateToLatest(t.db)).toEqual(names.map((n) => `Up ${n}`));
    expect(await migrateToLatest(t.db)).toEqual([]);
  });

  it('keeps existing rows when the event tables become partitioned, each in its month', async () => {
    const partitioned = names.indexOf('2026-11-22T030000_monthly_partitions');
    for (let i = partitioned; i < names.length; i++) await migrateDown(t.db);
    await sql`
      insert into organizations (id, name, slug) values
        ('00000000-0000-4000-8000-000000000001', 'Acme', 'acme');
      insert into message_status_events (organization_id, wamid, status, occurred_at, payload)
      values ('00000000-0000-4000-8000-000000000001', 'wamid.A', 'sent', '2024-03-31 23:59:59+00', '{}'),
             ('00000000-0000-4000-8000-000000000001', 'wamid.A', 'read', '2024-04-01 00:00:00+00', '{}');
      insert into webhook_events (body_sha256, outcome, raw_body, received_at)
      values ('h1', 'processed', '{}', '2024-03-15 12:00:00+00');
    `.execute(t.db);
    await migrateToLatest(t.db);

    const rows = await sql<{ partition: string; wamid: string; status: string }>`
      select tableoid::regclass::text as partition, wamid, status
      from message_status_events order by occurred_at`.execute(t.db);
    expect(rows.rows).toEqual([
      { partition: 'message_status_events_2024_03', wamid: 'wamid.A', status: 'sent' },
      { partition: 'message_status_events_2024_04', wamid: 'wamid.A', status: 'read' },
    ]);
    const audits = await sql<{ partition: string; received_month: string }>`
      select tableoid::regclass::text as partition, received_month::text from webhook_events`.execute(
      t.db,
    );
    expect(audits.rows).toEqual([
      { partition: 'webhook_events_2024_03', received_month: '2024-03-01' },
    ]);
    // New rows keep getting ids after the copied ones.
    const next = await sql<{ id: number }>`
      insert into message_status_events (organization_id, wamid, status, occurred_at, payload)
      values ('00000000-0000-4000-8000-000000000001', 'wamid.B', 'sent', now(), '{}')
      returning id`.execute(t.db);
    expect(next.rows[0]!.id).toBeGreaterThan(2);
  });

  it('binds audit rows stored without an app to the default app, and lets existing month partitions take misrouted rows', async () => {
    const tenancy = names.indexOf('2026-12-01T100000_tenant_routing');
    for (let i = tenancy; i < names.length; i++) await migrateDown(t.db);
    await sql`
      insert into webhook_events (body_sha256, outcome, raw_body, received_at, received_month)
      values ('h-legacy', 'processed', '{}', now(), date_trunc('month', now() at time zone 'UTC')::date)
    `.execute(t.db);
    await migrateToLatest(t.db);

    const legacy = await sql<{ app_id: string; partition: string }>`
      select app_id, tableoid::regclass::text as partition from webhook_events
      where body_sha256 = 'h-legacy'`.execute(t.db);
    expect(legacy.rows).toEqual([
      { app_id: 'default', partition: expect.stringMatching(/^webhook_events_\d{4}_\d{2}$/) },
    ]);
    // The same bytes signed by another app are a delivery of their own, in the same month partition.
    await sql`
      insert into webhook_events (body_sha256, app_id, outcome, raw_body, received_at, received_month)
      values ('h-legacy', 'other-app', 'misrouted', '{}', now(), date_trunc('month', now() at time zone 'UTC')::date)
    `.execute(t.db);
    const rows = await sql<{ app_id: string; outcome: string }>`
      select app_id, outcome from webhook_events where body_sha256 = 'h-legacy' order by app_id`.execute(
      t.db,
    );
    expect(rows.rows).toEqual([
      { app_id: 'default', outcome: 'processed' },
      { app_id: 'other-app', outcome: 'misrouted' },
    ]);
  });

  it('gives every contact an id and points every row naming a phone number at it, without loss', async () => {
    const identity = names.indexOf('2026-12-01T140000_contact_identity');
    for (let i = identity; i < names.length; i++) await migrateDown(t.db);
    const org = sql.lit('00000000-0000-4000-8000-000000000002');
    await sql`
      insert into organizations (id, name, slug) values (${org}, 'Keyed', 'keyed');
      insert into contacts (organization_id, wa_id, profile_name, user_id, first_seen_at, last_seen_at) values
        (${org}, '111', 'Ana', 'US.1', '2026-01-01', '2026-01-02'),
        (${org}, '222', 'Bia', 'US.1', '2026-01-01', '2026-01-05');
      insert into campaigns (id, organization_id, name) values ('00000000-0000-4000-8000-0000000000c1', ${org}, 'c');
      insert into messages (organization_id, wamid, direction, phone_number_id, contact_wa_id, status, occurred_at)
      values (${org}, 'wamid.in', 'inbound', 'P', '111', 'received', '2026-01-02'),
             (${org}, 'wamid.out', 'outbound', 'P', '333', 'sent', '2026-01-03');
      insert into message_status_events (organization_id, wamid, status, occurred_at, recipient_id, payload)
      values (${org}, 'wamid.out', 'sent', '2026-01-03', '333', '{}');
      insert into campaign_audience (campaign_id, organization_id, wa_id)
      values ('00000000-0000-4000-8000-0000000000c1', ${org}, '444');
      insert into conversations (organization_id, phone_number_id, contact_wa_id) values (${org}, 'P', '111');
      insert into answer_attempts (organization_id, phone_number_id, contact_wa_id, state, answers_wamids)
      values (${org}, 'P', '111', 'sent', '{wamid.in}');
    `.execute(t.db);
    await migrateToLatest(t.db);

    const contacts = await sql<{ id: number; wa_id: string; user_id: string | null }>`
      select id, wa_id, user_id from contacts where organization_id = ${org} order by wa_id`.execute(
      t.db,
    );
    // Every phone number a row named has a contact; a duplicated user id stays with the latest seen.
    expect(contacts.rows.map((c) => [c.wa_id, c.user_id])).toEqual([
      ['111', null],
      ['222', 'US.1'],
      ['333', null],
      ['444', null],
    ]);
    const idOf = new Map(contacts.rows.map((c) => [c.wa_id, c.id]));
    const refs = await sql<{ what: string; contact_id: number }>`
      select 'message ' || wamid as what, contact_id from messages where organization_id = ${org}
      union all select 'status', contact_id from message_status_events where organization_id = ${org}
      union all select 'audience', contact_id from campaign_audience where organization_id = ${org}
      union all select 'conversation', contact_id from conversations where organization_id = ${org}
      union all select 'attempt', contact_id from answer_attempts where organization_id = ${org}
      order by 1`.execute(t.db);
    expect(refs.rows).toEqual([
      { what: 'attempt', contact_id: idOf.get('111') },
      { what: 'audience', contact_id: idOf.get('444') },
      { what: 'conversation', contact_id: idOf.get('111') },
      { what: 'message wamid.in', contact_id: idOf.get('111') },
      { what: 'message wamid.out', contact_id: idOf.get('333') },
      { what: 'status', contact_id: idOf.get('333') },
    ]);

    // And back down: the phone numbers come back where they were.
    await migrateDown(t.db);
    const back = await sql<{ wamid: string; contact_wa_id: string }>`
      select wamid, contact_wa_id from messages where organization_id = ${org} order by wamid`.execute(
      t.db,
    );
    expect(back.rows).toEqual([
      { wamid: 'wamid.in', contact_wa_id: '111' },
      { wamid: 'wamid.out', contact_wa_id: '333' },
    ]);
    await migrateToLatest(t.db);
  });

  it('moves the attempt kind out of the agent prefix into a column of its own, and back, without loss', async () => {
    const kinds = names.indexOf('2026-12-02T100000_attempt_kind');
    for (let i = kinds; i < names.length; i++) await migrateDown(t.db);
    const org = sql.lit('00000000-0000-4000-8000-000000000003');
    const agents = [
      'pending',
      'guard:handoff',
      'guard:rate-limit',
      'guard:rate limited',
      'guard:unsupported',
      'guard:allowed-numbers',
      'rules',
      'openai:fallback',
      null,
    ];
    await sql`insert into organizations (id, name, slug) values (${org}, 'Kinds', 'kinds')`.execute(
      t.db,
    );
    await sql`insert into contacts (organization_id, wa_id, first_seen_at, last_seen_at) values (${org}, '555', now(), now())`.execute(
      t.db,
    );
    // answers_wamids keeps each row's place in the list.
    await sql`
      insert into answer_attempts (organization_id, phone_number_id, contact_id, state, answers_wamids, agent)
      select ${org}, 'P', (select id from contacts where organization_id = ${org}), 'sent', array[n::text], a
      from unnest(${agents}::text[]) with ordinality as t(a, n)
    `.execute(t.db);
    const rows = (columns: 'agent' | 'kind, agent') =>
      sql<{ kind?: string; agent: string | null }>`
        select ${sql.raw(columns)} from answer_attempts where organization_id = ${org}
        order by answers_wamids[1]::int`.execute(t.db);
    const before = (await rows('agent')).rows.map((r) => r.agent);
    await migrateToLatest(t.db);

    const after = (await rows('kind, agent')).rows;
    expect(after).toHaveLength(agents.length);
    expect(new Map(before.map((agent, i) => [agent, after[i]]))).toEqual(
      new Map([
        ['pending', { kind: 'answer', agent: null }],
        ['guard:handoff', { kind: 'handoff', agent: null }],
        ['guard:rate-limit', { kind: 'rate-limit', agent: null }],
        ['guard:rate limited', { kind: 'rate-limit', agent: null }],
        ['guard:unsupported', { kind: 'unsupported', agent: null }],
        ['guard:allowed-numbers', { kind: 'allowed-numbers', agent: null }],
        ['rules', { kind: 'answer', agent: 'rules' }],
        ['openai:fallback', { kind: 'answer', agent: 'openai:fallback' }],
        [null, { kind: 'answer', agent: null }],
      ]),
    );
    await expect(
      sql`update answer_attempts set kind = 'guard:handoff' where organization_id = ${org}`.execute(
        t.db,
      ),
    ).rejects.toThrow(/answer_attempts_kind_check/);

    // Down again: every attempt reads as the code before the column expects it.
    for (let i = kinds; i < names.length; i++) await migrateDown(t.db);
    const back = (await rows('agent')).rows.map((r) => r.agent);
    expect(back).toEqual(
      before.map((agent) =>
        agent === 'guard:rate limited' ? 'guard:rate-limit' : (agent ?? 'pending'),
      ),
    );
    await migrateToLatest(t.db);
  });
});
