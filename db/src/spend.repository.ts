import type { Db } from './connection';
import { pgText } from './pg-safe';
import type { CampaignSpendView, DailySpendView } from './spend.table';

export interface RateCardInput {
  category: string;
  /** Calling code the recipient's number starts with; '' for any. */
  countryCode: string;
  price: string;
  currency: string;
  /** First UTC day the price applies (YYYY-MM-DD). */
  effectiveFrom: string;
}

/** Adds (or replaces, for the same category, code and day) an organization's rate card rows in one statement. */
export async function importRateCard(
  db: Db,
  organizationId: string,
  rows: readonly RateCardInput[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('rate_cards')
    .values(
      rows.map((r) => ({
        organization_id: organizationId,
        category: pgText(r.category.toLowerCase()),
        country_code: pgText(r.countryCode),
        price: r.price,
        currency: pgText(r.currency.toUpperCase()),
        effective_from: r.effectiveFrom,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['organization_id', 'category', 'country_code', 'effective_from'])
        .doUpdateSet((eb) => ({
          price: eb.ref('excluded.price'),
          currency: eb.ref('excluded.currency'),
        })),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** A campaign's estimated spend; undefined: none of its messages was priced yet. */
export async function campaignSpend(
  db: Db,
  campaignId: string,
): Promise<CampaignSpendView | undefined> {
  return db
    .selectFrom('campaign_spend')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
}

/** An organization's estimated spend per UTC day and category, from `since` on. */
export async function dailySpend(
  db: Db,
  organizationId: string,
  since: Date,
): Promise<DailySpendView[]> {
  return db
    .selectFrom('daily_spend')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('day', '>=', since)
    .orderBy('day')
    .orderBy('category')
    .execute();
}
