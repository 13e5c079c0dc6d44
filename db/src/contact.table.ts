import type { ColumnType, Insertable, Selectable } from 'kysely';

export interface ContactsTable {
  organization_id: string;
  wa_id: string;
  profile_name: string | null;
  user_id: string | null;
  /** Name in the business's WhatsApp Business app address book (smb_app_state_sync). */
  address_book_name: ColumnType<string | null, string | null | undefined, string | null>;
  address_book_updated_at: ColumnType<
    Date | null,
    Date | string | null | undefined,
    Date | string | null
  >;
  first_seen_at: ColumnType<Date, Date | string, Date | string>;
  last_seen_at: ColumnType<Date, Date | string, Date | string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type ContactRow = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
