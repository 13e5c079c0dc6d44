import { backoffDelay } from '@waba/whatsapp';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { isTransientDbError } from './errors';

const PHYSICAL_ID = 'waba-migrations';

export interface MigrationRequestDeps {
  /** Applies pending migrations; returns what it applied. */
  migrate(): Promise<string[]>;
  log(message: string, details?: Record<string, unknown>): void;
  /** Waits between attempts; a fresh database or RDS Proxy may refuse connections for minutes. */
  sleep(ms: number): Promise<void>;
  /** Milliseconds left before the function times out (the Lambda context's). */
  remainingMs(): number;
  /**
   * Time an attempt needs to connect, migrate and answer CloudFormation: no
   * attempt starts with less left, so the last error is reported, not a timeout.
   */
  attemptBudgetMs: number;
}

/**
 * Whether an error, or one it wraps (`migrateToLatest` reports a refused
 * connection as a failed migration with the driver's error as its cause),
 * means the database is not reachable yet.
 */
function isTransient(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (isTransientDbError(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The longest wait between attempts. */
const MAX_WAIT_MS = 30_000;

/**
 * A CloudFormation custom resource request (CDK Provider framework) → its
 * response. Create and Update apply every pending migration (idempotent:
 * applied ones are skipped), retrying while the database is not reachable
 * yet, with a growing wait, for as long as the function's time allows;
 * Delete does nothing, so removing the stack never touches the schema.
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
      if (!isTransient(error)) throw error;
      const waitMs = backoffDelay(attempt, { base: 2_000, max: MAX_WAIT_MS });
      const remainingMs = deps.remainingMs();
      if (remainingMs - waitMs < deps.attemptBudgetMs) {
        deps.log('database still not reachable, giving up before the function times out', {
          attempt,
          remainingMs,
        });
        throw error;
      }
      deps.log('database not reachable yet, retrying', {
        attempt,
        waitMs,
        remainingMs,
        error: error instanceof Error ? error.message : String(error),
      });
      await deps.sleep(waitMs);
    }
  }
}
