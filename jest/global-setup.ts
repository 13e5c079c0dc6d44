import { Client } from 'pg';
import { createDb, migrateToLatest } from '@waba/db';
import {
  startEmbeddedPostgres,
  withDatabase,
  type PostgresHandle,
} from '../local/src/services/postgres';
import { startSqsEmulator, type SqsEmulatorHandle } from '../local/src/services/sqs-emulator';

/**
 * Once per `jest` run: a Postgres server (DATABASE_URL, else a testcontainer
 * when TEST_DB=container, else embedded), a migrated template database that
 * each test file clones, and the SQS/S3 emulator. Connection details reach
 * the test workers through environment variables.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started: Array<{ stop(): Promise<void> }> = [];
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else if (process.env.TEST_DB === 'container') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:18-alpine').start();
    adminUrl = container.getConnectionUri();
    started.push({ stop: async () => void (await container.stop()) });
  } else {
    const pg: PostgresHandle = await startEmbeddedPostgres({ fsync: false });
    adminUrl = pg.adminUrl;
    started.push(pg);
  }

  const template = `waba_test_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await admin.end();
  const db = createDb({ connectionString: withDatabase(adminUrl, template), max: 1 });
  await migrateToLatest(db);
  await db.destroy();

  const sqs: SqsEmulatorHandle = await startSqsEmulator();
  started.push(sqs);

  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_PG_TEMPLATE = template;
  process.env.TEST_AWS_ENDPOINT = sqs.endpoint;
  (globalThis as Record<string, unknown>).__wabaServices = { started, adminUrl, template };
}
