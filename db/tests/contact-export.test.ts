import { exportContact, toJsonLines, UnknownContactError, type ExportRecord } from '@waba/db';
import { useTestDatabase } from '@waba/testing';
import {
  GLOBEX_TEXT,
  OTTO,
  PAULA,
  PAULA_ROWS,
  seedPrivacy,
  type Seeded,
} from './helpers/privacy-seed';

describe('exportContact()', () => {
  const t = useTestDatabase();
  let s: Seeded;
  let records: ExportRecord[];

  beforeAll(async () => {
    await t.reset();
    s = await seedPrivacy(t.db);
    records = await exportContact(t.db, s.acme, { waId: PAULA.waId });
  });

  const kinds = () => {
    const counts: Record<string, number> = {};
    for (const r of records) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
    return counts;
  };

  it("holds every kind of the customer's data in the organization", () => {
    expect(kinds()).toMatchObject(PAULA_ROWS);
    const text = toJsonLines(records);
    for (const body of PAULA.texts) expect(text).toContain(body);
    expect(text).toContain(PAULA.name);
  });

  it("hands out the customer's items of a shared body, never the other customer's nor another organization's", () => {
    const text = toJsonLines(records);
    expect(text).not.toContain(OTTO.waId);
    expect(text).not.toContain(OTTO.text);
    expect(text).not.toContain(OTTO.name);
    expect(text).not.toContain(GLOBEX_TEXT);
    expect(text).not.toContain(s.globex);
    const raw = records.filter((r) => r.kind === 'webhook_event');
    const items = raw.flatMap((r) =>
      (r.row as { items: { path: string }[] }).items.map((i) => i.path),
    );
    expect(items).toEqual(
      expect.arrayContaining([
        '$.entry[0].changes[0].value.contacts[0]',
        '$.entry[0].changes[0].value.messages[0]',
        '$.entry[0].changes[0].value.messages[2]',
        '$.entry[0].changes[0].value.statuses[0]',
      ]),
    );
    expect(items.some((p) => p.startsWith('$.entry[1]'))).toBe(false);
  });

  it('is scoped to the organization: the same number in another one is another export', async () => {
    const globex = await exportContact(t.db, s.globex, { waId: PAULA.waId });
    const text = toJsonLines(globex);
    expect(text).toContain(GLOBEX_TEXT);
    for (const body of PAULA.texts) expect(text).not.toContain(body);
    expect(globex.filter((r) => r.kind === 'message')).toHaveLength(1);
  });

  it('refuses an identifier the organization does not know', async () => {
    await expect(exportContact(t.db, s.acme, { userId: 'US.999' })).rejects.toThrow(
      UnknownContactError,
    );
  });
});
