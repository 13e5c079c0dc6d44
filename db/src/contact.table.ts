import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** A person: a phone number (`wa_id`), a business-scoped user id (`user_id`), or both. */
export interface ContactsTable {
  id: Generated<number>;
  organization_id: string;
  wa_id: string | null;
  profile_name: string | null;
  user_id: string | null;
  parent_user_id: string | null;
  username: string | null;
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

export type ContactIdentityChangeKind =
  'user_changed_number' | 'user_changed_user_id' | 'user_id_update' | 'merge';

export interface ContactIdentityChangesTable {
  id: Generated<number>;
  organization_id: string;
  contact_id: number;
  kind: ContactIdentityChangeKind;
  previous_wa_id: string | null;
  wa_id: string | null;
  previous_user_id: string | null;
  user_id: string | null;
  parent_user_id: string | null;
  wamid: string | null;
  occurred_at: ColumnType<Date, Date | string, never>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}
export type ContactIdentityChangeRow = Selectable<ContactIdentityChangesTable>;
