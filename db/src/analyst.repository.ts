import { sql } from 'kysely';
import type { Db } from './connection';
import { DbError } from './errors';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates (or re-binds) a read-only analyst login for one organization: a
 * member of `waba_analyst`, bound in `analyst_bindings`, so row-level
 * security shows it that organization's rows and nothing else. Without a
 * password the role cannot log in (useful with IAM auth or `set role`).
 */
export async function createAnalyst(
  db: Db,
  options: { role: string; organizationId: string; password?: string },
): Promise<void> {
  if (!ROLE_NAME.test(options.role))
    throw new DbError('an analyst role name is lower case letters, digits and _, at most 63');
  await db.transaction().execute(async (trx) => {
    const exists = await sql`select 1 from pg_roles where rolname = ${options.role}`.execute(trx);
    const ddl = await sql<{ ddl: string }>`
      select format(${exists.rows.length ? 'alter role %I login password %L' : 'create role %I login password %L in role waba_analyst'},
        ${options.role}::text, ${options.password ?? null}::text) as ddl`.execute(trx);
    await sql.raw(ddl.rows[0]!.ddl).execute(trx);
    if (exists.rows.length) await sql`grant waba_analyst to ${sql.id(options.role)}`.execute(trx);
    await trx
      .insertInto('analyst_bindings')
      .values({ role_name: options.role, organization_id: options.organizationId })
      .onConflict((oc) =>
        oc.column('role_name').doUpdateSet({ organization_id: options.organizationId }),
      )
      .execute();
  });
}

/** Removes an analyst's binding and its login role. */
export async function dropAnalyst(db: Db, role: string): Promise<void> {
  if (!ROLE_NAME.test(role)) throw new DbError(`not an analyst role name: ${role}`);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('analyst_bindings').where('role_name', '=', role).execute();
    await sql`drop role if exists ${sql.id(role)}`.execute(trx);
  });
}

export async function listAnalysts(
  db: Db,
): Promise<Array<{ role_name: string; organization_id: string; slug: string }>> {
  return db
    .selectFrom('analyst_bindings as b')
    .innerJoin('organizations as o', 'o.id', 'b.organization_id')
    .select(['b.role_name', 'b.organization_id', 'o.slug'])
    .orderBy('b.role_name')
    .execute();
}
