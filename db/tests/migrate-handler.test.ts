import type { CdkCustomResourceEvent } from 'aws-lambda';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@waba/local/testing';
import { handleMigrationRequest, handler } from '../src/migrate-handler';

const event = (RequestType: 'Create' | 'Update' | 'Delete'): CdkCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::WabaMigrations',
    ResourceProperties: { ServiceToken: 'x' },
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'waba-migrations' }),
    ...(RequestType === 'Update' ? { OldResourceProperties: {} } : {}),
  }) as CdkCustomResourceEvent;

const deps = (migrate: () => Promise<string[]>) => ({
  migrate: jest.fn(migrate),
  log: () => undefined,
  sleep: jest.fn(async () => undefined),
  attempts: 3,
});

describe('handleMigrationRequest()', () => {
  it.each(['Create', 'Update'] as const)(
    '%s migrates and answers one physical id',
    async (type) => {
      const d = deps(async () => ['up 2026-11-22T000000_initial']);
      await expect(handleMigrationRequest(event(type), d)).resolves.toEqual({
        PhysicalResourceId: 'waba-migrations',
        Data: { Applied: '1' },
      });
      expect(d.migrate).toHaveBeenCalledTimes(1);
    },
  );

  it('Delete leaves the schema alone', async () => {
    const d = deps(async () => []);
    await expect(handleMigrationRequest(event('Delete'), d)).resolves.toEqual({
      PhysicalResourceId: 'waba-migrations',
    });
    expect(d.migrate).not.toHaveBeenCalled();
  });

  it('retries while the database is not reachable yet, then gives up', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const d = deps(async () => {
      throw refused;
    });
    await expect(handleMigrationRequest(event('Create'), d)).rejects.toBe(refused);
    expect(d.migrate).toHaveBeenCalledTimes(3);
    expect(d.sleep).toHaveBeenCalledTimes(2);
  });

  it('does not retry a failing migration', async () => {
    const d = deps(async () => {
      throw new Error('migration 2026-11-22T000000_initial failed: syntax error');
    });
    await expect(handleMigrationRequest(event('Update'), d)).rejects.toThrow(/syntax error/);
    expect(d.migrate).toHaveBeenCalledTimes(1);
  });
});

describe('migrate handler (Lambda entry point)', () => {
  let t: TestDatabase;
  const saved = process.env.DATABASE_URL;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`drop schema public cascade`.execute(t.db);
    await sql`create schema public`.execute(t.db);
    process.env.DATABASE_URL = t.url;
  });
  afterAll(async () => {
    process.env.DATABASE_URL = saved;
    await t.destroy();
  });

  it('migrates an empty database, and a second run applies nothing', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const first = await handler(event('Create'));
    expect(Number(first.Data?.Applied)).toBeGreaterThan(0);
    const second = await handler(event('Update'));
    expect(second).toEqual({ PhysicalResourceId: 'waba-migrations', Data: { Applied: '0' } });
  });
});
