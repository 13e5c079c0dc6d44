import type { ColumnType, Insertable, Selectable } from 'kysely';

/** Where an opt-out came from. */
export type SuppressionSource = 'user_preferences' | 'keyword' | 'csv_import' | 'operator';

/** One suppressed contact of an organization: no marketing template goes to it. */
export interface SuppressionsTable {
  organization_id: string;
  /** Phone wa_id, or BSUID for a username-only user (as campaign audiences address them). */
  wa_id: string;
  source: SuppressionSource;
  detail: string | null;
  suppressed_at: ColumnType<Date, Date | string, Date | string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type SuppressionRow = Selectable<SuppressionsTable>;
export type NewSuppression = Insertable<SuppressionsTable>;

export type OptOutAction = 'stop' | 'start';

/** An organization's STOP / START keywords for one language, with the confirmation reply. */
export interface OptOutKeywordsTable {
  organization_id: string;
  language: string;
  action: OptOutAction;
  keywords: string[];
  reply: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type OptOutKeywordsRow = Selectable<OptOutKeywordsTable>;
