import { eraseContact, exportContact, type ExportRecord } from '@waba/db';
import { searchDatabase, useTestDatabase } from '@waba/testing';
import { GLOBEX, OTTO, PAULA, seedPrivacy, type Seeded } from './helpers/privacy-seed';

const countsByKind = (records: readonly ExportRecord[]) => {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
};

/** The export kind of each table holding a person's rows. */
const KIND_OF_TABLE: Record<string, string> = {
  contacts: 'contact',
  contact_identity_changes: 'identity_change',
  messages: 'message',
  message_status_events: 'status_event',
  message_revisions: 'revision',
  message_reactions: 'reaction',
  campaign_audience: 'campaign_audience',
  suppressions: 'suppression',
  marketing_preferences: 'marketing_preference',
  answer_attempts: 'answer_attempt',
  conversations: 'conversation',
  calls: 'call',
  standby_events: 'standby_event',
  media_objects: 'media_object',
  messaging_window_recipients: 'messaging_window',
  account_events: 'account_event',
  webhook_events: 'webhook_event',
  webhook_event_extracts: 'webhook_event_extract',
};

/** An export without the places of raw items, which move when a neighbour's item leaves a body. */
const itemsOnly = (records: ExportRecord[]) =>
  records.map((r) => {
    const row = r.row as { items?: { item: unknown }[] };
    return row.items ? { kind: r.kind, items: row.items.map((i) => i.item) } : r;
  });

describe('privacy proof: export complete, erasure leaves nothing of the customer', () => {
  const t = useTestDatabase();
  let s: Seeded;
  /** Strings only Paula's data in Acme holds: her texts, the bot's answer about them, her wamids. */
  let acmeOnly: string[];

  beforeAll(async () => {
    await t.reset();
    s = await seedPrivacy(t.db);
    const campaignWamid = await t.db
      .selectFrom('campaign_audience')
      .select('wamid')
      .where('wa_id', '=', PAULA.waId)
      .executeTakeFirstOrThrow();
    acmeOnly = [...PAULA.texts, ...s.paulaWamids, campaignWamid.wamid!];
  });

  it('the export holds every row of the database that names the customer in the organization', async () => {
    const exported = countsByKind(await exportContact(t.db, s.acme, { waId: PAULA.waId }));
    const hits = await searchDatabase(t.db, [PAULA.waId, ...acmeOnly]);
    const inAcme = hits.filter(
      (h) => h.row.organization_id === s.acme || h.table === 'webhook_events',
    );
    const snapshot: Record<string, number> = {};
    for (const h of inAcme) snapshot[h.table] = (snapshot[h.table] ?? 0) + 1;

    expect(Object.keys(snapshot).length).toBeGreaterThanOrEqual(8);
    for (const [table, n] of Object.entries(snapshot))
      expect({
        table,
        exported: exported[KIND_OF_TABLE[table] ?? `unexported ${table}`] ?? 0,
      }).toEqual({
        table,
        exported: n,
      });
  });

  it("after the erasure no table holds the customer's identifiers or texts; the rest is untouched", async () => {
    const otto = itemsOnly(await exportContact(t.db, s.acme, { waId: OTTO.waId }));
    const globex = await exportContact(t.db, s.globex, { waId: PAULA.waId });
    const totals = async () => ({
      stats: await t.db.selectFrom('campaign_stats').selectAll().execute(),
      daily: await t.db.selectFrom('campaign_daily_stats').selectAll().execute(),
      failures: await t.db.selectFrom('campaign_failure_reasons').selectAll().execute(),
      spend: await t.db.selectFrom('campaign_spend').selectAll().execute(),
    });
    const before = await totals();
    expect(before.stats).toEqual([expect.objectContaining({ targeted: 2, delivered: 2 })]);

    await eraseContact(t.db, s.acme, { waId: PAULA.waId }, { by: 'dpo@acme' });

    // Nothing anywhere holds what only Acme's Paula wrote or was sent.
    expect(await searchDatabase(t.db, acmeOnly)).toEqual([]);
    // Her number and name remain only in Globex's rows and Globex's entry of the shared body.
    const named = await searchDatabase(t.db, [PAULA.waId, PAULA.name]);
    const outsideGlobex = named.filter((h) => {
      if (h.row.organization_id === s.globex) return false;
      if (h.table !== 'webhook_events') return true;
      const body = JSON.parse(String(h.row.raw_body)) as {
        entry: { changes: { value: { metadata: { phone_number_id: string } } }[] }[];
      };
      const acmeEntries = body.entry.filter((e) =>
        e.changes.some((c) => c.value.metadata.phone_number_id !== GLOBEX.phoneNumberId),
      );
      return [PAULA.waId, PAULA.name].some((n) => JSON.stringify(acmeEntries).includes(n));
    });
    expect(outsideGlobex).toEqual([]);
    expect(named.length).toBeGreaterThan(0);

    expect(itemsOnly(await exportContact(t.db, s.acme, { waId: OTTO.waId }))).toEqual(otto);
    expect(await exportContact(t.db, s.globex, { waId: PAULA.waId })).toEqual(globex);
    expect(await totals()).toEqual(before);
  });
});
