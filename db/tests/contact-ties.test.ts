import { emptyIngestBatch, upsertOrganization, writeIngestBatch } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

describe('contact profile names', () => {
  let t: TestDatabase;
  let org: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    org = (await upsertOrganization(t.db, { name: 'T', slug: 't', phoneNumbers: [] })).id;
  });
  afterAll(() => t.destroy());

  const sighting = (waId: string, name: string, at: string) => {
    const batch = emptyIngestBatch();
    batch.contacts.push({
      organizationId: org,
      waId,
      profileName: name,
      userId: null,
      seenAt: new Date(at),
    });
    return batch;
  };
  const nameOf = async (waId: string) =>
    (
      await t.db
        .selectFrom('contacts')
        .select('profile_name')
        .where('wa_id', '=', waId)
        .executeTakeFirstOrThrow()
    ).profile_name;

  it('keeps the latest name whatever order the webhooks arrive in, ties included', async () => {
    const same = '2026-11-22T10:00:00Z';
    // Two webhooks of the same second disagree: either order gives the same name.
    for (const [waId, order] of [
      ['111', ['Ana', 'Bia']],
      ['222', ['Bia', 'Ana']],
    ] as const) {
      for (const name of order)
        await t.db
          .transaction()
          .execute((trx) => writeIngestBatch(trx, sighting(waId, name, same)));
    }
    expect([await nameOf('111'), await nameOf('222')]).toEqual(['Bia', 'Bia']);
    // Both in one batch, both orders.
    const both = (a: string, b: string, waId: string) => {
      const batch = sighting(waId, a, same);
      batch.contacts.push(...sighting(waId, b, same).contacts);
      return batch;
    };
    await t.db.transaction().execute((trx) => writeIngestBatch(trx, both('Ana', 'Bia', '333')));
    await t.db.transaction().execute((trx) => writeIngestBatch(trx, both('Bia', 'Ana', '444')));
    expect([await nameOf('333'), await nameOf('444')]).toEqual(['Bia', 'Bia']);
    // A later sighting wins over any name.
    await t.db
      .transaction()
      .execute((trx) => writeIngestBatch(trx, sighting('111', 'Aaron', '2026-11-22T10:00:01Z')));
    expect(await nameOf('111')).toBe('Aaron');
  });
});
