import { sql } from 'kysely';
import { withOrganization } from '@waba/db';
import { useApiHarness } from './helpers/harness';

describe('API foundation', () => {
  const h = useApiHarness();

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    expect(h.document).toMatchObject({ openapi: '3.1.0' });
    expect(Object.keys(h.document.paths)).toContain('/api/v1/organization');
  });

  it("answers an organization's key with its own organization only", async () => {
    const acme = await h.as(h.acme.read).get('/api/v1/organization');
    expect(acme.status).toBe(200);
    expect(acme.body).toMatchObject({
      slug: 'acme',
      phone_numbers: [{ phone_number_id: h.acme.phoneNumberId }],
    });
    const globex = await h.as(h.globex.write).get('/api/v1/organization');
    expect(globex.body).toMatchObject({ slug: 'globex' });
  });

  it.each([
    ['no key', null, 401],
    ['a malformed header', 'not-a-key', 401],
    ['a revoked key', 'revoked', 401],
    ['a platform key on an organization route', 'platform', 403],
  ])('refuses %s with a problem document', async (_label, which, status) => {
    const key = which === 'revoked' ? h.acme.revoked : which === 'platform' ? h.platform : which;
    const res = await h.as(key).get('/api/v1/organization');
    expect(res.status).toBe(status);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status, instance: '/api/v1/organization' });
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers an unknown route with a problem 404', async () => {
    const res = await h.as(h.acme.read).get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('application/problem+json');
  });

  it('binds a transaction to one organization: rows of another are neither seen nor changed', async () => {
    const seen = await withOrganization(h.t.db, h.acme.id, async (trx) => {
      const orgs = await trx.selectFrom('organizations').select('slug').execute();
      const phones = await trx.selectFrom('phone_numbers').select('phone_number_id').execute();
      const changed = await trx
        .updateTable('organizations')
        .set({ name: 'hijacked' })
        .where('slug', '=', 'globex')
        .executeTakeFirst();
      const role = await sql<{ r: string }>`select current_user as r`.execute(trx);
      return { orgs, phones, changed: Number(changed.numUpdatedRows), role: role.rows[0]!.r };
    });
    expect(seen).toEqual({
      orgs: [{ slug: 'acme' }],
      phones: [{ phone_number_id: h.acme.phoneNumberId }],
      changed: 0,
      role: 'waba_api',
    });
    // Cannot write a row into another organization either.
    await expect(
      withOrganization(h.t.db, h.acme.id, (trx) =>
        trx
          .insertInto('phone_numbers')
          .values({ phone_number_id: '999', organization_id: h.globex.id, waba_id: '9' })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    // The pooled connection is back to the application's role afterwards.
    const after = await sql<{ r: string; org: string | null }>`
      select current_user as r, nullif(current_setting('waba.api_organization', true), '') as org`.execute(
      h.t.db,
    );
    expect(after.rows[0]!.org).toBeNull();
    expect(after.rows[0]!.r).not.toBe('waba_api');
  });
});
