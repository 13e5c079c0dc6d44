import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/services/postgres';
import { EmbeddedPostgresSetupError } from '../src/services/postgres-binaries';

/** The major the CDK app provisions (infra/config stages); the local stack and tests run the same. */
const PRODUCTION_MAJOR = 18;

describe('startEmbeddedPostgres()', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'waba-pg-version-'));
    // As root the server runs as `postgres`, which must enter the data directory's parent.
    chmodSync(base, 0o755);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  // Runs initdb for a fresh cluster: seconds alone, longer on a loaded machine.
  it('initialises and runs a cluster of the major production runs', async () => {
    const dataDir = join(base, 'fresh');
    const pg = await startEmbeddedPostgres({ dataDir, fsync: false });
    try {
      const client = new Client({ connectionString: pg.adminUrl });
      await client.connect();
      const { rows } = await client.query<{ v: string }>(
        `select current_setting('server_version_num') as v`,
      );
      await client.end();
      expect(Math.floor(Number(rows[0]!.v) / 10_000)).toBe(PRODUCTION_MAJOR);
    } finally {
      await pg.stop();
    }
  }, 120_000);

  it("names the data directory's older major and what to do, instead of starting", async () => {
    // A cluster an earlier release of the local stack created (`.data/pg`).
    const dataDir = join(base, 'old');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');

    const started = startEmbeddedPostgres({ dataDir, fsync: false });

    await expect(started).rejects.toThrow(EmbeddedPostgresSetupError);
    await expect(started).rejects.toThrow(
      `${dataDir} holds a PostgreSQL 17 cluster and the embedded server is PostgreSQL ${PRODUCTION_MAJOR}: delete the folder`,
    );
  });
});
