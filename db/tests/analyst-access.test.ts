import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import {
  createApiKey,
  findContact,
  createAnalyst,
  createCampaign,
  dropAnalyst,
  emptyIngestBatch,
  importAudience,
  insertPendingMedia,
  importRateCard,
  reserveWindowRecipients,
  setBotPaused,
  setSendingLimits,
  setOptOutKeywords,
  updateAgentConfig,
  upsertKnowledge,
  upsertOrganization,
  writeIngestBatch,
  type Db,
} from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';

/** One organization with at least one row in every table that belongs to an organization. */
async function seedOrganization(db: Db, slug: string, phone: string): Promise<string> {
  const org = await upsertOrganization(db, {
    name: slug,
    slug,
    phoneNumbers: [{ phoneNumberId: phone, wabaId: `waba-${slug}` }],
  });
  const id = org.id;
  const campaign = await createCampaign(db, {
    organizationId: id,
    name: `${slug} launch`,
    templateName: 'launch',
    templateLanguage: 'en',
  });
  await importAudience(db, campaign.id, [{ line: 2, waId: '15550001111', parameters: {} }]);
  await importRateCard(db, id, [
    {
      category: 'marketing',
      countryCode: '',
      price: '0.05',
      currency: 'USD',
      effectiveFrom: '2025-07-01',
    },
  ]);
  await setSendingLimits(db, phone, { uniqueRecipientsPerDay: 250 });
  await reserveWindowRecipients(
    db,
    { organizationId: id, wabaId: `waba-${slug}` },
    ['15550001111'],
    250,
  );
  await setOptOutKeywords(db, id, {
    language: 'en',
    action: 'stop',
    keywords: ['STOP'],
    reply: 'Bye',
  });
  const now = new Date();
  const batch = emptyIngestBatch();
  batch.contacts.push({
    organizationId: id,
    waId: '15550001111',
    profileName: slug,
    userId: null,
    seenAt: now,
  });
  batch.inbound.push({
    organizationId: id,
    wamid: `wamid.in-${slug}`,
    phoneNumberId: phone,
    contactWaId: '15550001111',
    type: 'text',
    body: `secret of ${slug}`,
    payload: {},
    contextWamid: null,
    occurredAt: now,
  });
  batch.inbound.push({
    organizationId: id,
    wamid: `wamid.rekey-${slug}`,
    phoneNumberId: phone,
    contactWaId: '15550001111',
    identityChange: {
      kind: 'user_changed_user_id',
      previous: { waId: null, userId: null },
      next: { waId: null, userId: `US.${slug}` },
    },
    type: 'system',
    body: null,
    payload: {},
    contextWamid: null,
    occurredAt: now,
  });
  batch.statuses.push({
    organizationId: id,
    wamid: `wamid.out-${slug}`,
    phoneNumberId: phone,
    status: 'delivered',
    occurredAt: now,
    recipientId: '15550001111',
    errorCode: null,
    errorTitle: null,
    bizOpaqueCallbackData: `campaign:${campaign.id}`,
    campaignId: campaign.id,
    conversationId: null,
    pricingCategory: null,
    payload: {},
  });
  batch.thread.revisions.push({
    organizationId: id,
    // An edit still waiting for its message.
    wamid: `wamid.later-${slug}`,
    revisionWamid: `wamid.edit-${slug}`,
    kind: 'edit',
    type: 'text',
    body: `edited secret of ${slug}`,
    payload: {},
    source: 'cloud_api',
    occurredAt: now,
  });
  batch.thread.reactions.push({
    organizationId: id,
    wamid: `wamid.in-${slug}`,
    reactionWamid: `wamid.reaction-${slug}`,
    contactWaId: '15550001111',
    direction: 'outbound',
    emoji: '👍',
    occurredAt: now,
  });
  batch.accountEvents.push({
    organizationId: id,
    wabaId: `waba-${slug}`,
    field: 'account_update',
    eventKey: `key-${slug}`,
    event: 'VERIFIED_ACCOUNT',
    value: {},
    occurredAt: now,
  });
  const field = { organizationId: id, wabaId: `waba-${slug}`, occurredAt: now };
  batch.accountFields.templates.push({
    ...field,
    eventKey: `template-${slug}`,
    templateId: `t-${slug}`,
    field: 'message_template_status_update',
    name: 'launch',
    language: 'en',
    status: 'APPROVED',
    reason: null,
    rejectionInfo: null,
    category: 'MARKETING',
    qualityScore: null,
    previousValue: null,
    value: {},
  });
  batch.accountFields.phoneNumberEvents.push({
    ...field,
    eventKey: `number-${slug}`,
    displayPhoneNumber: phone,
    event: 'FLAGGED',
    currentLimit: 'TIER_1K',
    oldLimit: null,
    maxDailyConversationsPerBusiness: null,
    value: {},
  });
  batch.accountFields.businessCapabilities.push({
    ...field,
    eventKey: `capability-${slug}`,
    maxDailyConversationsPerBusiness: 1000,
    maxPhoneNumbersPerBusiness: null,
    maxPhoneNumbersPerWaba: 2,
  });
  batch.accountFields.marketingPreferences.push({
    ...field,
    eventKey: `preference-${slug}`,
    phoneNumberId: phone,
    waId: '15550001111',
    userId: null,
    category: 'marketing_messages',
    value: 'stop',
    detail: null,
  });
  batch.accountFields.calls.push({
    ...field,
    eventKey: `call-${slug}`,
    phoneNumberId: phone,
    callId: `wacid.${slug}`,
    event: 'connect',
    direction: 'USER_INITIATED',
    fromId: '15550001111',
    toId: phone,
    contactWaId: '15550001111',
    contactUserId: null,
    status: null,
    startedAt: null,
    endedAt: null,
    durationSeconds: null,
    bizOpaqueCallbackData: null,
  });
  batch.accountFields.standbyEvents.push({
    ...field,
    eventKey: `standby-${slug}`,
    phoneNumberId: phone,
    kind: 'message',
    wamid: `wamid.standby-${slug}`,
    direction: 'inbound',
    contactWaId: '15550001111',
    contactUserId: null,
    type: 'text',
    body: 'Handled by the other sender',
    status: null,
    payload: {},
  });
  batch.webhookEvents.push({
    bodySha256: `sha-${slug}`,
    organizationId: id,
    appId: 'default',
    sqsMessageId: null,
    fields: ['messages'],
    outcome: 'processed',
    error: null,
    itemCounts: {},
    rawBody: '{}',
    receivedAt: now,
  });
  batch.webhookExtracts.push({
    bodySha256: `sha-${slug}`,
    appId: 'default',
    organizationId: id,
    fields: ['messages'],
    outcome: 'processed',
    error: null,
    itemCounts: {},
    body: { text: `secret of ${slug}` },
    receivedAt: now,
  });
  await db.transaction().execute((trx) => writeIngestBatch(trx, batch));
  await insertPendingMedia(db, [
    {
      organizationId: id,
      wamid: `wamid.in-${slug}`,
      mediaId: `media-${slug}`,
      mediaType: 'image',
      mimeType: 'image/jpeg',
      sha256: null,
    },
  ]);
  await updateAgentConfig(db, id, { instructions: `internal notes of ${slug}` });
  await upsertKnowledge(db, id, 'faq.md', [{ title: 'Hours', body: `${slug} opens at 9` }]);
  const contact = await findContact(db, id, { waId: '15550001111' });
  const conversation = { organizationId: id, phoneNumberId: phone, contactId: contact!.id };
  await setBotPaused(db, conversation, true, 'operator');
  await db
    .insertInto('answer_attempts')
    .values({
      organization_id: id,
      phone_number_id: phone,
      contact_id: contact!.id,
      state: 'sent',
      answers_wamids: [`wamid.in-${slug}`],
    })
    .execute();
  await db
    .insertInto('erasure_log')
    .values({
      organization_id: id,
      erased_by: 'operator',
      kinds: ['contact'],
      row_counts: '{"contact":1}',
    })
    .execute();
  const key = await createApiKey(db, { organizationId: id, scope: 'write', name: slug });
  await db
    .insertInto('api_idempotency')
    .values({
      api_key_id: key.id,
      idempotency_key: `k-${slug}`,
      organization_id: id,
      request_hash: Buffer.alloc(32),
    })
    .execute();
  return id;
}

/** Tables with an organization_id that only the pipeline and the operator read (raw bodies, API records). */
const OPERATOR_ONLY = new Set(['webhook_events', 'api_keys', 'api_idempotency']);

describe('analyst role and row-level security', () => {
  let t: TestDatabase;
  let acme: string;
  let globex: string;
  const role = `analyst_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const other = `${role}_globex`;
  const unbound = `${role}_unbound`;
  const password = randomUUID();

  beforeAll(async () => {
    t = await createTestDatabase();
    acme = await seedOrganization(t.db, 'acme', '1001');
    globex = await seedOrganization(t.db, 'globex', '2002');
    await createAnalyst(t.db, { role, organizationId: acme, password });
    await createAnalyst(t.db, { role: other, organizationId: globex });
    await sql`create role ${sql.id(unbound)} in role waba_analyst`.execute(t.db);
  });
  afterAll(async () => {
    await dropAnalyst(t.db, role);
    await dropAnalyst(t.db, other);
    await sql`drop role if exists ${sql.id(unbound)}`.execute(t.db);
    await t.destroy();
  });

  /**
   * Runs queries as `who` on a connection of its own: logged in with its
   * password when it has one (a real analyst session), else through `set role`.
   */
  async function as<T>(who: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const url = new URL(t.url);
    if (who === role) {
      url.username = role;
      url.password = password;
    }
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      if (who !== role) await client.query(`set role ${who}`);
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** Every table of the schema with an organization_id column, plus organizations. */
  async function organizationTables(): Promise<string[]> {
    const { rows } = await sql<{ table_name: string }>`
      select c.table_name from information_schema.columns c
      join pg_class r on r.relname = c.table_name and r.relnamespace = 'public'::regnamespace
      where c.table_schema = 'public' and c.column_name = 'organization_id'
        and r.relkind in ('r', 'p') and not r.relispartition
      order by 1`.execute(t.db);
    return ['organizations', ...rows.map((r) => r.table_name)];
  }

  it('puts every organization table under a row-level policy for analysts', async () => {
    const tables = await organizationTables();
    expect(tables.length).toBeGreaterThanOrEqual(13);
    const { rows } = await sql<{ relname: string; rls: boolean; policies: number }>`
      select c.relname, c.relrowsecurity as rls,
        (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
      from pg_class c where c.relnamespace = 'public'::regnamespace and c.relname = any(${tables})
      order by 1`.execute(t.db);
    for (const r of rows)
      expect({ table: r.relname, rls: r.rls, policies: r.policies > 0 }).toEqual({
        table: r.relname,
        rls: true,
        policies: true,
      });
  });

  it("shows a bound analyst its organization's rows in every table, and none of another's", async () => {
    const tables = await organizationTables();
    for (const table of tables) {
      const key = table === 'organizations' ? 'id' : 'organization_id';
      const owner = await sql<{ mine: number; theirs: number }>`
        select count(*) filter (where ${sql.ref(key)} = ${acme})::int as mine,
          count(*) filter (where ${sql.ref(key)} = ${globex})::int as theirs
        from ${sql.table(table)}`.execute(t.db);
      // The seed gives both organizations rows everywhere, so the check below can fail.
      const { mine, theirs } = owner.rows[0]!;
      expect({ table, both: mine > 0 && theirs > 0 }).toEqual({ table, both: true });
      if (OPERATOR_ONLY.has(table)) {
        await expect(as(role, (c) => c.query(`select 1 from ${table}`))).rejects.toThrow(
          /permission denied/,
        );
        continue;
      }
      const seen = await as(role, (c) =>
        c.query<{ key: string }>(`select ${key}::text as key from ${table}`),
      );
      expect({ table, keys: [...new Set(seen.rows.map((r) => r.key))] }).toEqual({
        table,
        keys: [acme],
      });
      expect(seen.rows).toHaveLength(owner.rows[0]!.mine);
    }
  });

  it("lets each organization's analyst read its own archived media only", async () => {
    const mediaIds = (who: string) =>
      as(who, (c) =>
        c.query<{ media_id: string }>('select media_id from media_objects order by media_id'),
      ).then((r) => r.rows.map((row) => row.media_id));

    expect(await mediaIds(role)).toEqual(['media-acme']);
    expect(await mediaIds(other)).toEqual(['media-globex']);
    expect(await mediaIds(unbound)).toEqual([]);
  });

  it('applies the same policies through the report views', async () => {
    const stats = await as(role, (c) =>
      c.query<{ organization_id: string; targeted: string }>(
        'select organization_id, targeted from campaign_stats',
      ),
    );
    expect(stats.rows).toEqual([{ organization_id: acme, targeted: 1 }]);
  });

  it('shows an analyst without a binding nothing at all', async () => {
    const counts = await as(unbound, (c) =>
      c.query<{ n: string }>(
        'select (select count(*) from messages) + (select count(*) from organizations) as n',
      ),
    );
    expect(counts.rows[0]!.n).toBe(0);
  });

  it('keeps analysts read-only and away from bindings, partitions and sending state', async () => {
    const denied = async (query: string) =>
      expect(as(role, (c) => c.query(query))).rejects.toThrow(/permission denied/);
    await denied(`update messages set body = 'x'`);
    await denied(`insert into organizations (name, slug) values ('x', 'x')`);
    await denied(`delete from contacts`);
    await denied('select * from send_rate_slots');
    await denied('select * from message_status_events_default');
    await denied('select raw_body from webhook_events');
    await denied('select * from webhook_event_extracts_default');
    // A session cannot pick another organization: the binding follows its login role.
    await denied(`set role ${other}`);
    const bindings = await as(role, (c) => c.query('select role_name from analyst_bindings'));
    expect(bindings.rows).toEqual([{ role_name: role }]);
    const own = await as(role, (c) =>
      c.query<{ body: string }>("select body from messages where type is distinct from 'system'"),
    );
    expect(own.rows.map((r) => r.body)).toEqual(['secret of acme', null]);
  });
});
