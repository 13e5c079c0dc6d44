import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticateApiKey, upsertOrganization } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { cliLines as cli } from './helpers/cli';
import { UsageError } from '../src/cli-common';

describe('api-key create|list|revoke (CLI)', () => {
  let t: TestDatabase;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'waba-api-key-cli-'));
    // No running stack: the CLI works on DATABASE_URL.
    process.env.STACK_STATE_FILE = join(dir, 'no-stack.json');
    process.env.DATABASE_URL = t.url;
    orgId = (await upsertOrganization(t.db, { name: 'Acme', slug: 'acme' })).id;
  });
  afterAll(() => t.destroy());

  it('creates a key printed once, lists it without its secret, and revokes it', async () => {
    const created = await cli(
      'api-key',
      'create',
      '--org',
      'acme',
      '--scope',
      'read',
      '--name',
      'reports',
    );
    const key = created[1]!;
    expect(key).toMatch(/^waba_r_/);
    const id = created[0]!.match(/^key (\S+) \(prefix (\S+), scope read\)/)![1]!;
    expect(await authenticateApiKey(t.db, key)).toMatchObject({
      keyId: id,
      organizationId: orgId,
      scope: 'read',
    });

    const listed = (await cli('api-key', 'list', '--org', 'acme')).join('\n');
    expect(listed).toContain(id);
    expect(listed).toContain(key.slice(0, 12));
    expect(listed).toContain('reports');
    expect(listed).not.toContain(key);
    // The platform's keys are listed apart.
    expect((await cli('api-key', 'list')).join('\n')).not.toContain(id);

    expect(await cli('api-key', 'revoke', id)).toEqual([`key ${id} revoked`]);
    expect(await authenticateApiKey(t.db, key)).toBeNull();
    expect((await cli('api-key', 'list', '--org', 'acme')).join('\n')).not.toContain('revoked=-');
    await expect(cli('api-key', 'revoke', id)).rejects.toThrow(/no active key/);
  });

  it('creates a platform key', async () => {
    const created = await cli('api-key', 'create', '--platform');
    expect(created[1]).toMatch(/^waba_p_/);
    expect(await authenticateApiKey(t.db, created[1]!)).toMatchObject({
      organizationId: null,
      scope: 'platform',
    });
  });

  it('refuses a bad scope as a usage error', async () => {
    await expect(cli('api-key', 'create', '--org', 'acme', '--scope', 'admin')).rejects.toThrow(
      UsageError,
    );
    await expect(cli('api-key', 'create', '--platform', '--org', 'acme')).rejects.toThrow(
      UsageError,
    );
  });
});
