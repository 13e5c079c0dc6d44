import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

/** The SQL recipes of docs/queries.md, each with the indexes it says it uses. */
function cookbook(): Array<{ title: string; sql: string; uses: string[] }> {
  const text = readFileSync(join(__dirname, '../../docs/queries.md'), 'utf8');
  const recipes: Array<{ title: string; sql: string; uses: string[] }> = [];
  let title = '';
  for (const block of text.split(/^```/m)) {
    const heading = [...block.matchAll(/^### (.+)$/gm)].at(-1);
    if (heading) title = heading[1]!;
    if (!block.startsWith('sql\n')) continue;
    const body = block.slice(4);
    const uses =
      /^-- uses: (.+)$/m
        .exec(body)?.[1]
        ?.split(',')
        .map((s) => s.trim()) ?? [];
    recipes.push({
      title,
      sql: body
        .replace(/^--.*$/gm, '')
        .trim()
        .replace(/;$/, ''),
      uses,
    });
  }
  return recipes;
}

/** A full read of a table larger than this fails the recipe. */
const LARGE_ROWS = 1000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

describe('docs/queries.md on a seeded database', () => {
  let t: TestDatabase;
  const params: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    // 40 organizations, 1,000 campaigns of 60 recipients, 100k messages over 60 days,
    // 10k answer attempts, 60k status events, 30k audit rows and 30k extracts.
    await sql`
      insert into organizations (id, name, slug)
      select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Org ' || i, 'org-' || i
      from generate_series(1, 40) i`.execute(t.db);
    await sql`
      insert into phone_numbers (phone_number_id, organization_id, waba_id)
      select 'pn-' || i, ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'waba-' || i
      from generate_series(1, 40) i`.execute(t.db);
    await sql`
      insert into campaigns (id, organization_id, name, phone_number_id, template_name, template_language, status, created_at)
      select ('10000000-0000-4000-8000-' || lpad(c::text, 12, '0'))::uuid,
        ('00000000-0000-4000-8000-' || lpad((c % 40 + 1)::text, 12, '0'))::uuid,
        'Campaign ' || c, 'pn-' || (c % 40 + 1), 'template_' || (c % 7), 'en', 'completed',
        now() - (c % 60) * interval '1 day'
      from generate_series(1, 1000) c`.execute(t.db);
    await sql`
      insert into campaign_audience (campaign_id, organization_id, wa_id, line_number, status, wamid,
        sent_at, delivered_at, read_at, failed_at, error_code)
      select c.id, c.organization_id, (5511900000000 + r)::text, r + 1,
        case when r % 10 = 0 then 'failed' when r % 3 = 0 then 'read' else 'delivered' end,
        'wamid.c' || c.name || '.' || r, c.created_at, case when r % 10 <> 0 then c.created_at end,
        case when r % 3 = 0 and r % 10 <> 0 then c.created_at end,
        case when r % 10 = 0 then c.created_at end, case when r % 10 = 0 then 131026 end
      from campaigns c, generate_series(1, 60) r`.execute(t.db);
    // 500 customers per organization: contact id (o - 1) * 500 + k + 1 has phone 55119000000000 + k;
    // every tenth is also known by a business-scoped user id, and re-keyed once.
    await sql`
      insert into contacts (id, organization_id, wa_id, user_id, first_seen_at, last_seen_at)
      overriding system value
      select (o - 1) * 500 + k + 1, ('00000000-0000-4000-8000-' || lpad(o::text, 12, '0'))::uuid,
        (5511900000000 + k)::text, case when k % 10 = 0 then 'US.' || (1000000 + (o - 1) * 500 + k) end,
        now() - interval '60 days', now()
      from generate_series(1, 40) o, generate_series(0, 499) k`.execute(t.db);
    await sql`
      insert into contact_identity_changes (organization_id, contact_id, kind, previous_user_id, user_id, occurred_at)
      select organization_id, id, 'user_changed_user_id', 'US.9' || id, user_id, now() - interval '1 day'
      from contacts where user_id is not null`.execute(t.db);
    await sql`
      insert into answer_attempts (id, organization_id, phone_number_id, contact_id, state, answers_wamids, created_at, finished_at)
      select ('20000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
        ('00000000-0000-4000-8000-' || lpad((i % 40 + 1)::text, 12, '0'))::uuid, 'pn-' || (i % 40 + 1),
        (i % 40) * 500 + i % 500 + 1, 'sent', array['wamid.in.' || i], now() - (i % 60) * interval '1 day',
        now() - (i % 60) * interval '1 day' + interval '2 seconds'
      from generate_series(1, 10000) i`.execute(t.db);
    await sql`
      insert into messages (organization_id, wamid, direction, phone_number_id, contact_id, contact_wa_id,
        type, body, status, occurred_at, answer_attempt_id)
      select ('00000000-0000-4000-8000-' || lpad((i % 40 + 1)::text, 12, '0'))::uuid, 'wamid.in.' || i,
        case when i % 2 = 0 then 'inbound' else 'outbound' end, 'pn-' || (i % 40 + 1),
        (i % 40) * 500 + i % 500 + 1, (5511900000000 + i % 500)::text, 'text', 'message ' || i,
        case when i % 2 = 0 then 'received' else 'read' end,
        now() - (i % 60) * interval '1 day' - (i % 1440) * interval '1 minute',
        case when i % 2 = 0 and i <= 10000 then ('20000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid end
      from generate_series(1, 100000) i`.execute(t.db);
    await sql`
      insert into message_status_events (organization_id, wamid, status, occurred_at, recipient_id,
        contact_id, payload)
      select ('00000000-0000-4000-8000-' || lpad((i % 40 + 1)::text, 12, '0'))::uuid, 'wamid.in.' || (i / 3),
        (array['sent', 'delivered', 'read'])[i % 3 + 1], now() - (i % 1000) * interval '1 second',
        (5511900000000 + i % 500)::text, (i % 40) * 500 + i % 500 + 1, '{}'
      from generate_series(1, 60000) i`.execute(t.db);
    await sql`
      insert into webhook_events (body_sha256, organization_id, fields, outcome, raw_body, received_at, received_month)
      select md5(i::text), case when i % 100 <> 0 then ('00000000-0000-4000-8000-' || lpad((i % 40 + 1)::text, 12, '0'))::uuid end,
        '{messages}', case when i % 100 = 0 then 'unrouted' else 'processed' end, '{}',
        now() - (i % 600) * interval '1 second', date_trunc('month', now() at time zone 'UTC')::date
      from generate_series(1, 30000) i`.execute(t.db);
    await sql`
      insert into webhook_event_extracts (body_sha256, app_id, organization_id, fields, outcome, body,
        received_at, received_month)
      select md5(i::text), 'default', ('00000000-0000-4000-8000-' || lpad((i % 40 + 1)::text, 12, '0'))::uuid,
        '{messages}', 'processed', '{}', now() - (i % 60) * interval '1 day' - (i % 600) * interval '1 second',
        date_trunc('month', now() at time zone 'UTC')::date
      from generate_series(1, 30000) i`.execute(t.db);
    // The typed homes of the other fields: enough rows per organization for the planner to use indexes.
    const org = (expr: string) =>
      sql.raw(`('00000000-0000-4000-8000-' || lpad(((${expr}) % 40 + 1)::text, 12, '0'))::uuid`);
    await sql`
      insert into templates (organization_id, template_id, waba_id, name, language, status, status_at,
        category, quality_score)
      select ${org('o')}, 'tpl-' || k, 'waba-' || (o % 40 + 1), 'template_' || k, 'en',
        (array['APPROVED', 'REJECTED', 'PAUSED'])[k % 3 + 1], now() - k * interval '1 hour',
        'MARKETING', 'GREEN'
      from generate_series(0, 39) o, generate_series(0, 49) k`.execute(t.db);
    await sql`
      insert into template_events (organization_id, waba_id, template_id, field, event, new_value, value,
        event_key, occurred_at)
      select ${org('i')}, 'waba-' || (i % 40 + 1), 'tpl-' || (i % 50), 'message_template_status_update',
        'APPROVED', 'APPROVED', '{}', 'te-' || i, now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into phone_number_limits (organization_id, display_phone_number, waba_id, event, current_limit,
        event_at)
      select ${org('o')}, (15550000000 + k)::text, 'waba-' || (o % 40 + 1), 'UPGRADE', 'TIER_10K', now()
      from generate_series(0, 39) o, generate_series(0, 49) k`.execute(t.db);
    await sql`
      insert into phone_number_events (organization_id, waba_id, display_phone_number, event, current_limit,
        value, event_key, occurred_at)
      select ${org('i')}, 'waba-' || (i % 40 + 1), (15550000000 + i % 50)::text, 'FLAGGED', 'TIER_1K', '{}',
        'pe-' || i, now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into business_capabilities (organization_id, waba_id, max_daily_conversations_per_business,
        event_at)
      select ${org('o')}, 'waba-' || o || '-' || k, 2000, now()
      from generate_series(0, 39) o, generate_series(0, 49) k`.execute(t.db);
    await sql`
      insert into marketing_preferences (organization_id, phone_number_id, waba_id, wa_id, category, value,
        event_key, occurred_at)
      select ${org('i')}, 'pn-' || (i % 40 + 1), 'waba-' || (i % 40 + 1), (5511900000000 + i % 500)::text,
        'marketing_messages', case when i % 2 = 0 then 'stop' else 'resume' end, 'mp-' || i,
        now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into suppressions (organization_id, wa_id, source, detail, suppressed_at)
      select ${org('i')}, (5511900000000 + i)::text,
        (array['user_preferences', 'keyword', 'csv_import', 'operator'])[i % 4 + 1], null,
        now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into messaging_window_recipients (organization_id, waba_id, recipient, first_sent_at)
      select ${org('i')}, 'waba-' || (i % 40 + 1), (5511900000000 + i)::text,
        now() - (i % 48) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into calls (organization_id, call_id, phone_number_id, waba_id, direction, contact_wa_id,
        last_event, status, first_event_at, last_event_at)
      select ${org('i')}, 'wacid.' || i, 'pn-' || (i % 40 + 1), 'waba-' || (i % 40 + 1), 'USER_INITIATED',
        (5511900000000 + i % 500)::text, 'terminate', 'COMPLETED', now() - (i % 600) * interval '1 hour',
        now() - (i % 600) * interval '1 hour' + interval '2 minutes'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into standby_events (organization_id, phone_number_id, waba_id, kind, wamid, direction,
        contact_wa_id, type, body, payload, event_key, occurred_at)
      select ${org('i')}, 'pn-' || (i % 40 + 1), 'waba-' || (i % 40 + 1), 'message', 'wamid.sb.' || i,
        'inbound', (5511900000000 + i % 500)::text, 'text', 'question ' || i, '{}', 'sb-' || i,
        now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`
      insert into message_revisions (organization_id, wamid, revision_wamid, kind, type, body, source,
        occurred_at)
      select ${org('i')}, 'wamid.in.' || i, 'wamid.edit.' || i, 'edit', 'text', 'edited ' || i, 'cloud_api',
        now() - (i % 600) * interval '1 hour'
      from generate_series(1, 20000) i`.execute(t.db);
    await sql`analyze`.execute(t.db);
    Object.assign(params, {
      org: `'00000000-0000-4000-8000-000000000007'`,
      campaign: `'10000000-0000-4000-8000-000000000046'`,
      contact: `'5511900000123'`,
      user: `'US.1003070'`,
      wamid: `'wamid.in.4242'`,
      template: `'template_3'`,
      display: `'15550000003'`,
      waba: `'waba-8'`,
      day: `'${new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)}'`,
    });
  }, 120_000);
  afterAll(() => t.destroy());

  const recipes = cookbook();

  it('finds the recipes, each naming the index it relies on', () => {
    expect(recipes.length).toBeGreaterThanOrEqual(14);
    for (const r of recipes)
      expect({ title: r.title, uses: r.uses.length > 0 }).toEqual({ title: r.title, uses: true });
  });

  it.each(recipes.map((r) => [r.title, r] as const))(
    '%s: runs on its index',
    async (_title, recipe) => {
      const query = recipe.sql.replace(/(?<!:):([a-z]+)\b/g, (whole, name: string) => {
        const value = params[name];
        if (value === undefined) throw new Error(`no value for :${name}`);
        return value;
      });
      const explained = await sql<{
        'QUERY PLAN': Array<{ Plan: PlanNode }>;
      }>`explain (format json) ${sql.raw(query)}`.execute(t.db);
      const used = new Set<string>();
      const fullScans: string[] = [];
      walk(explained.rows[0]!['QUERY PLAN'][0]!.Plan, (n) => {
        if (n['Index Name']) used.add(n['Index Name']);
        if (n['Node Type'] === 'Seq Scan') fullScans.push(n['Relation Name']!);
      });
      const sizes = await sql<{ relname: string; rows: number }>`
        select relname, reltuples::bigint as rows from pg_class
        where relname = any(${fullScans})`.execute(t.db);
      const largeScans = sizes.rows.filter((r) => r.rows > LARGE_ROWS).map((r) => r.relname);
      // A partitioned table's index shows up as its partitions' indexes.
      const expected = new Map<string, string[]>();
      for (const choice of recipe.uses) {
        const names = choice.split('|').map((n) => n.trim());
        const parts = await sql<{ relname: string }>`
          select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent::regclass::text = any(${names})`.execute(t.db);
        expected.set(choice, [...names, ...parts.rows.map((p) => p.relname)]);
      }
      const missing = [...expected]
        .filter(([, names]) => !names.some((n) => used.has(n)))
        .map(([n]) => n);
      // On failure the message shows which indexes the planner did use.
      const usedList = [...used].sort();
      expect({ missing, largeScans, used: usedList }).toEqual({
        missing: [],
        largeScans: [],
        used: usedList,
      });
      // And it runs.
      await sql.raw(query).execute(t.db);
    },
  );
});
