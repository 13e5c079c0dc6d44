import { setTimeout as sleep } from 'node:timers/promises';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse, Context } from 'aws-lambda';
import { createDb } from './connection';
import { migrateEnvFromEnv } from './env.schema';
import { migrateToLatest } from './migrate';
import { handleMigrationRequest } from './migration-request';
import { databaseUrlFromEnv } from '@waba/whatsapp/secrets';

// Checked at cold start: a bad value stops the start with the variable's name.
migrateEnvFromEnv(process.env);

/** How long one connection attempt may take. */
const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * The migration Lambda: DATABASE_URL, or DATABASE_SECRET_ARN (+ DATABASE_HOST
 * for a proxy). Retries until a minute before its timeout (600 s on AWS).
 */
export async function handler(
  event: CdkCustomResourceEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<CdkCustomResourceResponse> {
  return handleMigrationRequest(event, {
    async migrate() {
      const db = createDb({
        connectionString: await databaseUrlFromEnv(),
        max: 1,
        connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
        applicationName: 'waba-migrate',
      });
      try {
        return await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
    },
    log: (message, details) => console.log(JSON.stringify({ message, ...details })),
    sleep: (ms) => sleep(ms),
    remainingMs: () => context.getRemainingTimeInMillis(),
    attemptBudgetMs: 60_000,
  });
}
