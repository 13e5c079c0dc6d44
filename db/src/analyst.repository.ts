import { sql, type Transaction } from 'kysely';
import type { Db } from './connection';
import type { Database } from './database';
import { DbError } from './errors';
import { scramSha256Secret } from './scram';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ANALYST_GROUP = 'waba_analyst';
/** Groups an analyst login may also belong to: IAM authentication on RDS (docs/database.md). */
const ALLOWED_GROUPS = [ANALYST_GROUP, 'rds_iam'];

/** A role that `analyst add` or `analyst remove` must not touch, with the reason. */
export class AnalystRoleError extends DbError {
  override name = 'AnalystRoleError';
}

function checkRoleName(role: string): void {
  if (!ROLE_NAME.test(role))
    throw new AnalystRoleError(
      `${JSON.stringify(role)} is not an analyst role name: lower case letters, digits and _, at most 63`,
    );
  if (role.startsWith('pg_'))
    throw new AnalystRoleError(`${role}: names starting with pg_ are reserved for Postgres`);
}

interface RoleFacts {
  super: boolean;
  createrole: boolean;
  createdb: boolean;
  replication: boolean;
  bypassrls: boolean;
  current: boolean;
  analyst: boolean;
  others: string[];
  bound_to: string | null;
}

async function roleFacts(trx: Transaction<Database>, role: string): Promise<RoleFacts | undefined> {
  const { rows } = await sql<RoleFacts>`
    select r.rolsuper as super, r.rolcreaterole as createrole, r.rolcreatedb as createdb,
      r.rolreplication as replication, r.rolbypassrls as bypassrls,
      r.rolname in (current_user, session_user) as current,
      exists (select from pg_auth_members m join pg_roles g on g.oid = m.roleid
              where m.member = r.oid and g.rolname = ${ANALYST_GROUP}) as analyst,
      array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
            where m.member = r.oid and g.rolname::text <> all(${ALLOWED_GROUPS}::text[])
            union
            select u.rolname::text from pg_auth_members m join pg_roles u on u.oid = m.member
            where m.roleid = r.oid) as others,
      (select b.organization_id from analyst_bindings b where b.role_name = r.rolname) as bound_to
    from pg_roles r where r.rolname = ${role}`.execute(trx);
  return rows[0];
}

/**
 * Why an existing role is not one of our analyst logins, or null when it is
 * one (bound to `organizationId` when given): a member of the analyst group
 * and nothing else, no attribute beyond LOGIN, not the role doing the work.
 */
function refusal(role: string, f: RoleFacts, organizationId?: string): string | null {
  const attributes = (['super', 'createrole', 'createdb', 'replication', 'bypassrls'] as const)
    .filter((a) => f[a])
    .map((a) => (a === 'super' ? 'superuser' : a));
  if (attributes.length) return `${role} is ${attributes.join(', ')}`;
  if (f.current) return `${role} is the role this command runs as`;
  if (!f.analyst || f.bound_to === null) return `${role} exists and is not an analyst`;
  if (organizationId !== undefined && f.bound_to !== organizationId)
    return `${role} is an analyst of another organization`;
  if (f.others.length) return `${role} is tied to other roles (${f.others.join(', ')})`;
  return null;
}

/**
 * Creates a read-only analyst login for one organization: a member of
 * `waba_analyst`, bound in `analyst_bindings`, so row-level security shows it
 * that organization's rows and nothing else. An existing role is touched only
 * when it is already an analyst of that organization (then it gets the new
 * password); any other role (a superuser, the pipeline's own role, a role
 * with CREATEROLE, REPLICATION or BYPASSRLS, a pg_ role, an analyst of another
 * organization) is refused, so the command can never hand out a login to a
 * role that can do more. The password travels as a SCRAM-SHA-256 secret
 * computed here, never in plain text. Without a password the role cannot
 * log in with one (useful with IAM auth or `set role`).
 */
export async function createAnalyst(
  db: Db,
  options: { role: string; organizationId: string; password?: string },
): Promise<void> {
  const { role, organizationId } = options;
  checkRoleName(role);
  const secret = options.password === undefined ? null : scramSha256Secret(options.password);
  await db.transaction().execute(async (trx) => {
    const facts = await roleFacts(trx, role);
    if (facts) {
      const reason = refusal(role, facts, organizationId);
      if (reason) throw new AnalystRoleError(`refusing to change role ${role}: ${reason}`);
    }
    const ddl = await sql<{ ddl: string }>`
      select format(${facts ? 'alter role %I login password %L' : `create role %I login password %L in role ${ANALYST_GROUP}`},
        ${role}::text, ${secret}::text) as ddl`.execute(trx);
    await sql.raw(ddl.rows[0]!.ddl).execute(trx);
    await trx
      .insertInto('analyst_bindings')
      .values({ role_name: role, organization_id: organizationId })
      // A binding left behind by a role dropped by hand must not outlive it.
      .onConflict((oc) => oc.column('role_name').doUpdateSet({ organization_id: organizationId }))
      .execute();
  });
}

/** Removes an analyst's binding and its login role; any other role is refused. */
export async function dropAnalyst(db: Db, role: string): Promise<void> {
  checkRoleName(role);
  await db.transaction().execute(async (trx) => {
    const facts = await roleFacts(trx, role);
    if (facts) {
      const reason = refusal(role, facts);
      if (reason) throw new AnalystRoleError(`refusing to drop role ${role}: ${reason}`);
    }
    await trx.deleteFrom('analyst_bindings').where('role_name', '=', role).execute();
    if (facts) await sql`drop role ${sql.id(role)}`.execute(trx);
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
