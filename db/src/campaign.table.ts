import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface CampaignsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  phone_number_id: string | null;
  template_name: string | null;
  template_language: string | null;
  status: Generated<string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type CampaignRow = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;

export interface CampaignAudienceTable {
  campaign_id: string;
  organization_id: string;
  wa_id: string;
  parameters: ColumnType<unknown, unknown | undefined, unknown>;
  wamid: string | null;
  status: Generated<string>;
  sent_at: Timestamp;
  delivered_at: Timestamp;
  read_at: Timestamp;
  failed_at: Timestamp;
  error_code: number | null;
  error_title: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type CampaignAudienceRow = Selectable<CampaignAudienceTable>;
export type NewCampaignAudience = Insertable<CampaignAudienceTable>;
