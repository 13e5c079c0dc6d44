import { createServer, type AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { handler } from '../src/migrate-handler';
import { cdkEvent as event } from './helpers/cdk-event';

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
