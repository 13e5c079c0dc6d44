import { handleMigrationRequest } from '../src/migration-request';
import { cdkEvent as event } from './helpers/cdk-event';

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
