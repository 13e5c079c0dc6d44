import { sql } from 'kysely';
import { upsertOrganization } from '@waba/db';
import {
  bigint,
  jsonb,
  text,
  timestamptz,
  unnestInsert,
  uuid,
  type UnnestColumns,
} from '../src/unnest-insert';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

describe('unnestInsert()', () => {
  let t: TestDatabase;
  let org: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = (await upsertOrganization(t.db, { name: 'acme', slug: 'acme', phoneNumbers: [] })).id;
  });
  afterAll(() => t.destroy());

  const at = new Date('2026-11-22T10:00:00Z');
  const events = (keys: string[], values: unknown[]): UnnestColumns<'account_events'> => ({
    organization_id: uuid(keys.map(() => org)),
    waba_id: text(keys.map(() => 'waba-1')),
    field: text(keys.map(() => 'account_update')),
    event_key: text(keys),
    event: text(keys.map(() => null)),
    value: jsonb(values),
    occurred_at: timestamptz(keys.map(() => at)),
  });

  it('writes one row per array position, each value in the column it is named for', async () => {
    await unnestInsert(t.db, 'account_events', events(['k1', 'k2\0'], [{ a: 1 }, 'x\u0000y']), {
      onConflict: sql`on conflict (event_key) do nothing`,
    });

    const rows = await t.db
      .selectFrom('account_events')
      .select(['event_key', 'value', 'event', 'occurred_at'])
      .orderBy('event_key')
      .execute();
    expect(rows).toEqual([
      { event_key: 'k1', value: { a: 1 }, event: null, occurred_at: at },
      // NUL is replaced, in text and in jsonb alike.
      { event_key: 'k2\uFFFD', value: 'x\uFFFDy', event: null, occurred_at: at },
    ]);
  });

  it('takes constants and lookups as computed columns and filters rows by a condition over t', async () => {
    await sql`insert into contacts (organization_id, wa_id, first_seen_at, last_seen_at)
      values (${org}, '5511', now(), now())`.execute(t.db);
    await unnestInsert(
      t.db,
      'messages',
      {
        organization_id: uuid([org, org]),
        wamid: text(['wamid.keep', 'wamid.drop']),
        phone_number_id: text(['1001', '1001']),
        contact_id: bigint([0, 0]),
        contact_wa_id: text(['5511', '5512']),
        occurred_at: timestamptz([at, at]),
      },
      {
        computed: {
          direction: sql`'inbound'`,
          status: sql`'received'`,
          contact_id: sql`(select id from contacts where wa_id = t.contact_wa_id)`,
        },
        where: sql`t.wamid <> 'wamid.drop'`,
      },
    );

    const rows = await t.db
      .selectFrom('messages')
      .select(['wamid', 'direction', 'status', 'contact_wa_id'])
      .execute();
    expect(rows).toEqual([
      { wamid: 'wamid.keep', direction: 'inbound', status: 'received', contact_wa_id: '5511' },
    ]);
  });

  it('refuses arrays of different lengths before they reach Postgres', async () => {
    const columns = { ...events(['k3', 'k4'], [1, 2]), event_key: text(['k3']) };
    await expect(unnestInsert(t.db, 'account_events', columns)).rejects.toThrow(
      /differ in length: .*event_key=1/,
    );
  });

  it('does not type-check an array given to a column of another type', () => {
    const wamids = ['wamid.1'];
    const contactIds = [1];
    const columns: UnnestColumns<'messages'> = {
      // @ts-expect-error wamid takes text, not the contact ids (swapped arrays)
      wamid: bigint(contactIds),
      // @ts-expect-error contact_id takes bigint, not the wamids (swapped arrays)
      contact_id: text(wamids),
      // @ts-expect-error a nullable array cannot fill a not-null column
      organization_id: uuid([null]),
    };
    expect(Object.keys(columns)).toHaveLength(3);
  });
});
