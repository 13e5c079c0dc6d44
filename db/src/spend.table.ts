import type { ColumnType, Selectable } from 'kysely';

/** Price of one message per category and recipient calling code, from a day on. numeric reads as a string. */
export interface RateCardsTable {
  organization_id: string;
  category: string;
  country_code: string;
  price: ColumnType<string, string | number, string | number>;
  currency: string;
  effective_from: ColumnType<Date, Date | string, Date | string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}
export type RateCardRow = Selectable<RateCardsTable>;

/** The message_costs view: one row per priced outbound message. */
export interface MessageCostsView {
  organization_id: string;
  wamid: string;
  campaign_id: string | null;
  contact: string | null;
  category: string;
  pricing_type: string | null;
  pricing_model: string | null;
  priced_at: Date;
  free: boolean;
  price: string | null;
  currency: string | null;
  estimated_cost: string | null;
}

interface SpendCounts {
  charged: number;
  free: number;
  unpriced: number;
  /** Sum of estimated costs (numeric, as a string); null: nothing priced. */
  estimated_cost: string | null;
  currency: string | null;
}

/** The campaign_spend view. */
export interface CampaignSpendView extends SpendCounts {
  campaign_id: string;
  organization_id: string;
}

/** The daily_spend view: per organization, UTC day and category. */
export interface DailySpendView extends SpendCounts {
  organization_id: string;
  day: Date;
  category: string;
}
