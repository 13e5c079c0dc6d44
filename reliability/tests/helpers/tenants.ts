import { sql } from 'kysely';
import type { Db } from '@waba/db';

export interface Tenant {
  id: string;
  slug: string;
  phoneNumberId: string;
  wabaId: string;
  /** A campaign of this organization. */
  campaignId: string;
}

/**
 * Organizations with fixed ids, so two databases filled by different
 * delivery orders can be compared row for row, uuids included.
 */
export const TENANT_A: Tenant = {
  id: '0a0a0a0a-0000-4000-8000-00000000000a',
  slug: 'tenant-a',
  phoneNumberId: '100000000000001',
  wabaId: '200000000000001',
  campaignId: 'ca0a0a0a-0000-4000-8000-00000000000a',
};

export const TENANT_B: Tenant = {
  id: '0b0b0b0b-0000-4000-8000-00000000000b',
  slug: 'tenant-b',
  phoneNumberId: '100000000000002',
  wabaId: '200000000000002',
  campaignId: 'cb0b0b0b-0000-4000-8000-00000000000b',
};

/** A phone number and WABA nobody registered: their webhooks are `unrouted`. */
export const STRANGER = { phoneNumberId: '100000000000999', wabaId: '200000000000999' };

/**
 * Inserts the tenants, their numbers and campaigns, and audience rows
 * (`recipients` per campaign, wamid not yet known, as a sender that has
 * not recorded its send yet). Plain SQL naming only the columns it sets, so
 * columns added later keep their defaults.
 */
export async function seedTenants(
  db: Db,
  options: { audience?: Record<string, readonly string[]> } = {},
): Promise<void> {
  for (const t of [TENANT_A, TENANT_B]) {
    await sql`insert into organizations (id, name, slug) values (${t.id}, ${t.slug}, ${t.slug})`.execute(
      db,
    );
    await sql`insert into phone_numbers (phone_number_id, organization_id, waba_id)
      values (${t.phoneNumberId}, ${t.id}, ${t.wabaId})`.execute(db);
    await sql`insert into campaigns (id, organization_id, name, status)
      values (${t.campaignId}, ${t.id}, ${`${t.slug} campaign`}, 'sending')`.execute(db);
    for (const waId of options.audience?.[t.campaignId] ?? []) {
      await sql`insert into campaign_audience (campaign_id, organization_id, wa_id)
        values (${t.campaignId}, ${t.id}, ${waId})`.execute(db);
    }
  }
}
