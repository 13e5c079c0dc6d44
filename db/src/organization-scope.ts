import { sql, type Transaction } from 'kysely';
import type { Db } from './connection';
import type { Database } from './database';

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` is one already
 * (a repository called from an API request, whose whole request is one
 * transaction). Kysely does not nest transactions; an error inside aborts the
 * caller's transaction as a whole, as it should.
 */
export function inTransaction<T>(
  db: Db,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/**
 * Runs `fn` in a transaction bound to one organization: as the `waba_api`
 * role, whose row-level policies show and let change only that
 * organization's rows (migration 2026-12-02T180000_api_access). Both settings
 * are transaction-local, so the pooled connection is clean afterwards.
 */
export function withOrganization<T>(
  db: Db,
  organizationId: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('role', 'waba_api', true), set_config('waba.api_organization', ${organizationId}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}
