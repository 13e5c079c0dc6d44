import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { getAgentConfig, upsertOrganization } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { runCli } from '../src/cli';
import { UsageError } from '../src/cli-common';
import { UNSUPPORTED_NOTICE } from '@waba/answer-worker';

describe('CLI guards on operator input', () => {
  let t: TestDatabase;
  let dir: string;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'waba-cli-guards-'));
    // No running stack: the CLI works on DATABASE_URL.
    process.env.STACK_STATE_FILE = join(dir, 'no-stack.json');
    process.env.DATABASE_URL = t.url;
    orgId = (await upsertOrganization(t.db, { name: 'acme', slug: 'acme', phoneNumbers: [] })).id;
  });
  afterAll(() => t.destroy());

  const cli = (...args: string[]) => runCli(args, () => undefined);

  it('analyst add refuses to turn postgres into an analyst login', async () => {
    const before = await sql<{
      p: string;
    }>`select rolpassword as p from pg_authid where rolname = 'postgres'`.execute(t.db);
    process.env.ANALYST_PASSWORD = 'now-mine';
    try {
      await expect(cli('analyst', 'add', '--org', 'acme', '--role', 'postgres')).rejects.toThrow(
        'refusing to change role postgres: postgres is superuser',
      );
    } finally {
      delete process.env.ANALYST_PASSWORD;
    }
    const after = await sql<{
      p: string;
    }>`select rolpassword as p from pg_authid where rolname = 'postgres'`.execute(t.db);
    expect(after.rows).toEqual(before.rows);
  });

  it('agent set stores good handoff keywords, punctuation included', async () => {
    await cli('agent', 'set', '--org', 'acme', '--handoff-keywords', ' c++ , falar com atendente');
    expect((await getAgentConfig(t.db, orgId)).handoff_keywords).toEqual([
      'c++',
      'falar com atendente',
    ]);
  });

  it.each([
    ['human,,person', /--handoff-keywords: handoff keyword 2 is empty/],
    [`human,${'x'.repeat(81)}`, /handoff keyword 2 is longer than 80 characters/],
  ])('agent set refuses --handoff-keywords %j with a clear error', async (value, message) => {
    const before = (await getAgentConfig(t.db, orgId)).handoff_keywords;
    const attempt = cli('agent', 'set', '--org', 'acme', '--handoff-keywords', value);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    expect((await getAgentConfig(t.db, orgId)).handoff_keywords).toEqual(before);
  });

  it('agent set sets the unsupported-message notice per organization; the text is the default until then', async () => {
    expect((await getAgentConfig(t.db, orgId)).unsupported_notice).toBe(UNSUPPORTED_NOTICE);
    await cli(
      'agent',
      'set',
      '--org',
      'acme',
      '--unsupported-notice',
      'Só leio texto, foto e áudio.',
    );
    expect((await getAgentConfig(t.db, orgId)).unsupported_notice).toBe(
      'Só leio texto, foto e áudio.',
    );
  });

  it.each([' ', 'x'.repeat(4097)])(
    'agent set refuses an empty or too long --unsupported-notice (%#)',
    async (value) => {
      const before = (await getAgentConfig(t.db, orgId)).unsupported_notice;
      const attempt = cli('agent', 'set', '--org', 'acme', '--unsupported-notice', value);
      await expect(attempt).rejects.toThrow(
        '--unsupported-notice is a text of 1 to 4096 characters',
      );
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      expect((await getAgentConfig(t.db, orgId)).unsupported_notice).toBe(before);
    },
  );

  it('agent set turns image input on and off per organization; off until then', async () => {
    expect((await getAgentConfig(t.db, orgId)).image_input).toBe(false);
    await cli('agent', 'set', '--org', 'acme', '--images', 'on');
    expect((await getAgentConfig(t.db, orgId)).image_input).toBe(true);
    await cli('agent', 'set', '--org', 'acme', '--images', 'off');
    expect((await getAgentConfig(t.db, orgId)).image_input).toBe(false);
  });

  it('agent set refuses --images other than on or off', async () => {
    const attempt = cli('agent', 'set', '--org', 'acme', '--images', 'yes');
    await expect(attempt).rejects.toThrow('--images is on or off');
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
  });

  it('agent set refuses a rules file with an empty rule keyword', async () => {
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify([{ keywords: ['price', ''], reply: 'It is 10' }]));
    await expect(cli('agent', 'set', '--org', 'acme', '--rules', file)).rejects.toThrow(
      '--rules: rule 1 keyword 2 is empty',
    );
  });
});
