import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { createDb } from './connection';
import { migrateEnvFromEnv } from './env.schema';
import { isTransientDbError } from './errors';
import { migrateToLatest } from './migrate';
import { databaseUrlFromEnv } from './secrets';

const PHYSICAL_ID = 'waba-migrations';

export interface MigrationRequestDeps {
  /** Applies pending migrations; returns what it applied. */
  migrate(): Promise<string[]>;
  log(message: string, details?: Record<string, unknown>): void;
  /** Waits between attempts; a fresh database or RDS Proxy may refuse connections for a minute. */
  sleep(ms: number): Promise<void>;
  attempts: number;
}

/**
 * A CloudFormation custom resource request (CDK Provider framework) → its
 * response. Create and Update apply every pending migration (idempotent:
 * applied ones are skipped), retrying while the database is not reachable
 * yet; Delete does nothing, so removing the stack never touches the schema.
 */
export async function handleMigrationRequest(
  event: CdkCustomResourceEvent,
  deps: MigrationRequestDeps,
): Promise<CdkCustomResourceResponse> {
  if (event.RequestType === 'Delete') {
    deps.log('delete: nothing to do');
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await deps.migrate();
      deps.log('migrations applied', { requestType: event.RequestType, applied });
      return { PhysicalResourceId: PHYSICAL_ID, Data: { Applied: String(applied.length) } };
    } catch (error) {
      if (attempt >= deps.attempts || !isTransientDbError(error)) throw error;
      const waitMs = Math.min(30_000, 2_000 * 2 ** (attempt - 1));
      deps.log('database not reachable yet, retrying', {
        attempt,
        waitMs,
        error: error instanceof Error ? error.message : String(error),
      });
      await deps.sleep(waitMs);
    }
  }
}

// Checked at cold start: a bad value stops the start with the variable's name.
const settings = migrateEnvFromEnv(process.env);

/** The migration Lambda: DATABASE_URL, or DATABASE_SECRET_ARN (+ DATABASE_HOST for a proxy). */
export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  return handleMigrationRequest(event, {
    async migrate() {
      const db = createDb({
        connectionString: await databaseUrlFromEnv(),
        max: 1,
        connectionTimeoutMillis: 10_000,
        applicationName: 'waba-migrate',
      });
      try {
        return await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
    },
    log: (message, details) => console.log(JSON.stringify({ message, ...details })),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    attempts: settings.MIGRATION_ATTEMPTS,
  });
}
