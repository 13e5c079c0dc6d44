import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Client } from 'pg';
import { createDb, type Db } from '@waba/db';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  /** Empties every table (keeps the schema and the migration bookkeeping). */
  reset(): Promise<void>;
  destroy(): Promise<void>;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through jest (jest/global-setup.ts)`);
  return value;
}

/**
 * A database of its own for one test file, cloned from the migrated template
 * that jest's global setup prepared (cheaper than migrating per file).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireEnv('TEST_PG_ADMIN_URL');
  const template = requireEnv('TEST_PG_TEMPLATE');
  const name = `waba_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        // Two files cloning the template at the same instant: try again.
        if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
        await sleep(100 + Math.random() * 200);
      }
    }
  } finally {
    await admin.end();
  }
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const db = createDb({ connectionString: url, max: 10 });
  return {
    db,
    url,
    name,
    async reset() {
      await sql`
        truncate api_idempotency, api_rate_windows, api_keys, erasure_log, contact_identity_changes, sending_limits, messaging_window_recipients, templates, template_events, phone_number_limits, phone_number_events, business_capabilities, marketing_preferences, suppressions, opt_out_keywords, rate_cards, calls, standby_events, media_objects, answer_attempts, conversations, knowledge_entries, agent_configs, webhook_events, webhook_event_extracts, account_events, campaign_audience, message_status_events, message_revisions, message_reactions,
          messages, campaigns, contacts, phone_numbers, organizations restart identity cascade
      `.execute(db);
    },
    async destroy() {
      await db.destroy();
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * The database of a test file's `describe`: created before its tests and
 * dropped after them (emptying it between tests stays the test's own
 * `t.reset()`). Read its fields inside hooks and tests: before `beforeAll`
 * has run there is none yet.
 */
export function useTestDatabase(): TestDatabase {
  // Jest's globals, read when called: the package also loads outside jest
  // (the fault runner, the benchmarks), where neither they nor their types exist.
  const { beforeAll, afterAll } = globalThis as unknown as Record<
    'beforeAll' | 'afterAll',
    (fn: () => Promise<unknown>) => void
  >;
  let current: TestDatabase | undefined;
  const get = (): TestDatabase => {
    if (!current) throw new Error('useTestDatabase(): read it inside a hook or a test');
    return current;
  };
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(() => get().destroy());
  return {
    get db() {
      return get().db;
    },
    get url() {
      return get().url;
    },
    get name() {
      return get().name;
    },
    reset: () => get().reset(),
    destroy: () => get().destroy(),
  };
}
