import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrganizationSettings {
  [key: string]: unknown;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  settings: ColumnType<
    OrganizationSettings,
    OrganizationSettings | undefined,
    OrganizationSettings
  >;
  /** Days archived media is kept (the bucket's lifecycle rounds it up to a tier); null keeps it. */
  media_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Retention per organization (db/src/retention.ts); null keeps the rows. */
  message_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  raw_body_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  status_event_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
}
export type OrganizationRow = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;

export interface PhoneNumbersTable {
  phone_number_id: string;
  organization_id: string;
  waba_id: string;
  display_phone_number: string | null;
  app_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}
export type PhoneNumberRow = Selectable<PhoneNumbersTable>;
export type NewPhoneNumber = Insertable<PhoneNumbersTable>;
