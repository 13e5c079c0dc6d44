import { sql } from 'kysely';
import { migrateDown, migrateToLatest } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/local/testing';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  const tables = async () =>
    (
      await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = 'public' and table_name not like 'kysely_%' order by 1`.execute(t.db)
    ).rows.map((r) => r.table_name);

  it('creates every table of the schema', async () => {
    expect(await tables()).toEqual([
      'account_events',
      'agent_configs',
      'answer_attempts',
      'campaign_audience',
      'campaigns',
      'contacts',
      'conversations',
      'knowledge_entries',
      'message_status_events',
      'messages',
      'organizations',
      'phone_numbers',
      'webhook_events',
    ]);
  });

  it('goes down and up again, and re-running up is a no-op', async () => {
    await migrateDown(t.db);
    await migrateDown(t.db);
    expect(await tables()).toEqual([]);
    expect(await migrateToLatest(t.db)).toEqual([
      'Up 2026-11-22T000000_initial',
      'Up 2026-11-22T010000_answer_worker',
    ]);
    expect(await migrateToLatest(t.db)).toEqual([]);
  });
});
