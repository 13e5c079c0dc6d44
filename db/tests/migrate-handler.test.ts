import { createServer, type AddressInfo } from 'node:net';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
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

/** A function with `timeoutMs` to live, on a virtual clock that sleeps and attempts advance. */
function deps(
  migrate: () => Promise<string[]>,
  options: { timeoutMs?: number; attemptMs?: number } = {},
) {
  const clock = { elapsedMs: 0 };
  const timeoutMs = options.timeoutMs ?? 600_000;
  return {
    clock,
    migrate: jest.fn(async () => {
      clock.elapsedMs += options.attemptMs ?? 0;
      return migrate();
    }),
    log: () => undefined,
    sleep: jest.fn(async (ms: number) => {
      clock.elapsedMs += ms;
    }),
    remainingMs: () => timeoutMs - clock.elapsedMs,
    attemptBudgetMs: 60_000,
  };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

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

  it('retries while the database is not reachable, until the time left is one attempt', async () => {
    const error = refused();
    // Each attempt waits out a 10 s connection timeout, as against a proxy without a target.
    const d = deps(
      async () => {
        throw error;
      },
      { attemptMs: 10_000 },
    );
    await expect(handleMigrationRequest(event('Create'), d)).rejects.toBe(error);
    const left = 600_000 - d.clock.elapsedMs;
    // It used the function's 10 minutes, not a fixed number of attempts...
    expect(left).toBeLessThan(d.attemptBudgetMs + 30_000);
    // ...and stopped before Lambda's timeout would hide the error.
    expect(left).toBeGreaterThan(0);
    expect(d.migrate.mock.calls.length).toBeGreaterThan(8);
  });

  it('succeeds when the database becomes reachable minutes later', async () => {
    const d = deps(async () => {
      if (d.clock.elapsedMs < 6 * 60_000) throw refused();
      return ['up 2026-11-22T000000_initial'];
    });
    await expect(handleMigrationRequest(event('Create'), d)).resolves.toEqual({
      PhysicalResourceId: 'waba-migrations',
      Data: { Applied: '1' },
    });
    expect(d.clock.elapsedMs).toBeGreaterThanOrEqual(6 * 60_000);
  });

  it('gives up at once when less than one attempt is left', async () => {
    const error = refused();
    const d = deps(
      async () => {
        throw error;
      },
      { timeoutMs: 61_000 },
    );
    await expect(handleMigrationRequest(event('Create'), d)).rejects.toBe(error);
    expect(d.sleep).not.toHaveBeenCalled();
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

  const context = { getRemainingTimeInMillis: () => 600_000 };

  it('migrates an empty database, and a second run applies nothing', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const first = await handler(event('Create'), context);
    expect(Number(first.Data?.Applied)).toBeGreaterThan(0);
    const second = await handler(event('Update'), context);
    expect(second).toEqual({ PhysicalResourceId: 'waba-migrations', Data: { Applied: '0' } });
  });

  it('retries a refused connection (wrapped by the migrator) while the time allows', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    log.mockClear();
    // A port nobody listens on: the real driver's ECONNREFUSED.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    process.env.DATABASE_URL = `postgres://waba:waba@127.0.0.1:${port}/waba`;
    // 63 s left: one retry after 2 s fits the 60 s an attempt keeps, the next wait (4 s) does not.
    const deadline = Date.now() + 63_000;
    try {
      await expect(
        handler(event('Create'), { getRemainingTimeInMillis: () => deadline - Date.now() }),
      ).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    } finally {
      process.env.DATABASE_URL = t.url;
    }
    const messages = log.mock.calls.map(([line]) => JSON.parse(String(line)).message);
    expect(messages).toEqual([
      'database not reachable yet, retrying',
      'database still not reachable, giving up before the function times out',
    ]);
  });
});
