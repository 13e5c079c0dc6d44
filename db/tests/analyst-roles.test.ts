import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import {
  AnalystRoleError,
  createAnalyst,
  createPool,
  dropAnalyst,
  scramSha256Secret,
  upsertOrganization,
  type Database,
  type Db,
} from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

describe('createAnalyst() and dropAnalyst()', () => {
  let t: TestDatabase;
  let acme: string;
  let globex: string;
  const prefix = `t${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const roles: string[] = [];
  const name = (suffix: string) => {
    const role = `${prefix}_${suffix}`;
    roles.push(role);
    return role;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    acme = (await upsertOrganization(t.db, { name: 'acme', slug: 'acme', phoneNumbers: [] })).id;
    globex = (await upsertOrganization(t.db, { name: 'globex', slug: 'globex', phoneNumbers: [] }))
      .id;
  });
  afterAll(async () => {
    for (const role of roles) await sql`drop role if exists ${sql.id(role)}`.execute(t.db);
    await t.destroy();
  });

  const rolpassword = async (role: string) =>
    (
      await sql<{
        p: string | null;
      }>`select rolpassword as p from pg_authid where rolname = ${role}`.execute(t.db)
    ).rows[0]?.p;
  const isAnalyst = async (role: string) =>
    (
      await sql<{ member: boolean }>`
        select pg_has_role(${role}, 'waba_analyst', 'member') as member`.execute(t.db)
    ).rows[0]!.member;
  const bindingOf = async (role: string) =>
    (
      await t.db
        .selectFrom('analyst_bindings')
        .select('organization_id')
        .where('role_name', '=', role)
        .executeTakeFirst()
    )?.organization_id;

  /** Logs in over TCP as `role`; resolves to SYSTEM_USER, the method and identity of the login. */
  async function login(role: string, password: string): Promise<string> {
    const url = new URL(t.url);
    url.username = role;
    url.password = password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<{ s: string }>('select system_user as s')).rows[0]!.s;
    } finally {
      await client.end();
    }
  }

  describe.each([
    ['a superuser', 'postgres', ''],
    ['a CREATEROLE role', 'createrole', 'createrole'],
    ['a REPLICATION role', 'replication', 'replication'],
    ['a BYPASSRLS role', 'bypassrls', 'bypassrls'],
  ])('given %s', (_what, suffix, attribute) => {
    it('refuses it and leaves its password and memberships as they were', async () => {
      let role = 'postgres';
      if (attribute) {
        // The worst case: it even looks like an analyst of this organization.
        role = name(suffix);
        await sql
          .raw(`create role ${role} login ${attribute} password 'before' in role waba_analyst`)
          .execute(t.db);
        await t.db
          .insertInto('analyst_bindings')
          .values({ role_name: role, organization_id: acme })
          .execute();
      }
      const before = await rolpassword(role);
      const member = await isAnalyst(role);

      await expect(
        createAnalyst(t.db, { role, organizationId: acme, password: 'taken-over' }),
      ).rejects.toThrow(
        new RegExp(`refusing to change role ${role}: ${role} is ${attribute || 'superuser'}`),
      );
      await expect(dropAnalyst(t.db, role)).rejects.toThrow(AnalystRoleError);

      expect(await rolpassword(role)).toBe(before);
      expect(await isAnalyst(role)).toBe(member);
      await expect(login(role, 'taken-over')).rejects.toThrow(/password authentication failed/);
    });
  });

  it("refuses a role that exists and is not an analyst (the pipeline's own role, say)", async () => {
    const role = name('pipeline');
    await sql.raw(`create role ${role} login password 'pipeline-secret'`).execute(t.db);

    await expect(
      createAnalyst(t.db, { role, organizationId: acme, password: 'mine-now' }),
    ).rejects.toThrow(`refusing to change role ${role}: ${role} exists and is not an analyst`);
    await expect(dropAnalyst(t.db, role)).rejects.toThrow(/exists and is not an analyst/);

    expect(await isAnalyst(role)).toBe(false);
    expect(await bindingOf(role)).toBeUndefined();
    expect(await login(role, 'pipeline-secret')).toBe(`scram-sha-256:${role}`);
  });

  it('refuses the role the command runs as', async () => {
    // A role without any attribute may still change its own password: the check
    // must come from us, not from Postgres.
    const role = name('self');
    await sql
      .raw(`create role ${role} login password 'self-secret' in role waba_analyst`)
      .execute(t.db);
    await t.db
      .insertInto('analyst_bindings')
      .values({ role_name: role, organization_id: acme })
      .execute();
    const url = new URL(t.url);
    url.username = role;
    url.password = 'self-secret';
    const self = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: createPool({ connectionString: url.toString(), max: 1 }),
      }),
    });
    try {
      await expect(
        createAnalyst(self, { role, organizationId: acme, password: 'other' }),
      ).rejects.toThrow(`${role} is the role this command runs as`);
    } finally {
      await self.destroy();
    }
    expect(await login(role, 'self-secret')).toBe(`scram-sha-256:${role}`);
  });

  it('refuses an analyst of another organization, and one tied to other roles', async () => {
    const theirs = name('globex');
    await createAnalyst(t.db, { role: theirs, organizationId: globex });
    await expect(createAnalyst(t.db, { role: theirs, organizationId: acme })).rejects.toThrow(
      `${theirs} is an analyst of another organization`,
    );
    expect(await bindingOf(theirs)).toBe(globex);

    const tied = name('tied');
    await createAnalyst(t.db, { role: tied, organizationId: acme });
    await sql.raw(`grant pg_read_all_data to ${tied}`).execute(t.db);
    await expect(createAnalyst(t.db, { role: tied, organizationId: acme })).rejects.toThrow(
      `${tied} is tied to other roles (pg_read_all_data)`,
    );
  });

  it('accepts an analyst that is also in rds_iam (IAM authentication on RDS)', async () => {
    await sql`do $$ begin
      if not exists (select from pg_roles where rolname = 'rds_iam') then create role rds_iam; end if;
    end $$`.execute(t.db);
    const role = name('iam');
    await createAnalyst(t.db, { role, organizationId: acme });
    await sql.raw(`grant rds_iam to ${role}`).execute(t.db);
    await createAnalyst(t.db, { role, organizationId: acme, password: 'also a password' });
    expect(await login(role, 'also a password')).toBe(`scram-sha-256:${role}`);
  });

  it.each([
    ['pg_monitor', /reserved for Postgres/],
    ['pg_anything_new', /reserved for Postgres/],
    ['Robert', /not an analyst role name/],
    ['x"; drop table messages; --', /not an analyst role name/],
    ['', /not an analyst role name/],
    ['a'.repeat(64), /not an analyst role name/],
  ])('refuses the role name %j', async (role, message) => {
    await expect(createAnalyst(t.db, { role, organizationId: acme })).rejects.toThrow(message);
    await expect(dropAnalyst(t.db, role)).rejects.toThrow(message);
  });

  it('creates a login that authenticates with SCRAM, and gives an existing analyst of the organization a new password', async () => {
    const role = name('analyst');
    await createAnalyst(t.db, { role, organizationId: acme, password: 'first password' });
    expect(await login(role, 'first password')).toBe(`scram-sha-256:${role}`);
    expect(await bindingOf(role)).toBe(acme);

    await createAnalyst(t.db, { role, organizationId: acme, password: 'second pässword' });
    expect(await login(role, 'second pässword')).toBe(`scram-sha-256:${role}`);
    await expect(login(role, 'first password')).rejects.toThrow(/password authentication failed/);
    expect(await rolpassword(role)).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$/);

    await dropAnalyst(t.db, role);
    expect(await rolpassword(role)).toBeUndefined();
    expect(await bindingOf(role)).toBeUndefined();
  });

  it('never sends the password itself to the server', async () => {
    const statements: string[] = [];
    const pool = createPool({ connectionString: t.url, max: 1 });
    const logged: Db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        statements.push(JSON.stringify([event.query.sql, event.query.parameters]));
      },
    });
    const role = name('quiet');
    const password = `never-in-ddl-${randomUUID()}`;
    try {
      await createAnalyst(logged, { role, organizationId: acme, password });
    } finally {
      await logged.destroy();
    }
    expect(statements.some((s) => s.includes('SCRAM-SHA-256$'))).toBe(true);
    expect(statements.filter((s) => s.includes(password))).toEqual([]);
    expect(await login(role, password)).toBe(`scram-sha-256:${role}`);
  });
});

describe('scramSha256Secret()', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it.each([
    'postgres',
    'correct horse battery staple',
    'pässwörd ✓ 密码',
    'soft\u00adhyphen and ｆｕｌｌｗｉｄｔｈ', // SASLprep: mapped to nothing, NFKC
    'no\u00a0break space',
  ])('computes the secret Postgres itself stores for %j', async (password) => {
    const role = `scram_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const { rows } = await sql<{ ddl: string }>`
      select format('create role %I password %L', ${role}::text, ${password}::text) as ddl`.execute(
      t.db,
    );
    await sql.raw(rows[0]!.ddl).execute(t.db);
    try {
      const stored = (
        await sql<{
          p: string;
        }>`select rolpassword as p from pg_authid where rolname = ${role}`.execute(t.db)
      ).rows[0]!.p;
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;

      const ours = scramSha256Secret(password, {
        salt: Buffer.from(salt!, 'base64'),
        iterations: Number(iterations),
      });

      expect(ours).toBe(stored);
    } finally {
      await sql`drop role ${sql.id(role)}`.execute(t.db);
    }
  });

  it('uses a fresh salt each time', () => {
    expect(scramSha256Secret('same')).not.toBe(scramSha256Secret('same'));
  });
});
