import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type MessageDirection = 'inbound' | 'outbound';
export type MessageSource = 'cloud_api' | 'business_app' | 'history';
type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface MessagesTable {
  id: Generated<number>;
  organization_id: string;
  wamid: string;
  direction: MessageDirection;
  phone_number_id: string | null;
  /** The customer (contacts.id): the thread key. */
  contact_id: number;
  /** The phone number the message carried; null for a username-only customer. */
  contact_wa_id: string | null;
  /** The business-scoped user id the message carried, if any. */
  contact_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  type: string | null;
  body: string | null;
  payload: unknown;
  context_wamid: string | null;
  /** Inbound: `received`. Outbound: the highest-ranked status seen (failed is terminal). */
  status: string;
  occurred_at: ColumnType<Date, Date | string, Date | string>;
  sent_at: Timestamp;
  delivered_at: Timestamp;
  read_at: Timestamp;
  failed_at: Timestamp;
  error_code: number | null;
  error_title: string | null;
  /** Inbound: the errors[] Meta attached to the message itself (e.g. 131051 unsupported). */
  errors: ColumnType<unknown, unknown, unknown>;
  biz_opaque_callback_data: string | null;
  campaign_id: string | null;
  /** Inbound: the answer attempt that claimed it (null = not answered yet). */
  answer_attempt_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Outbound replies: the customer messages this one answers. */
  in_reply_to: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  /** cloud_api, business_app (echo of a message sent in the app) or history (the app's sync). */
  source: ColumnType<MessageSource, MessageSource | undefined, MessageSource>;
  edited_at: Timestamp;
  deleted_at: Timestamp;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;

export interface MessageStatusEventsTable {
  id: Generated<number>;
  organization_id: string;
  wamid: string;
  status: string;
  occurred_at: ColumnType<Date, Date | string, never>;
  recipient_id: string | null;
  recipient_user_id: string | null;
  contact_id: number | null;
  error_code: number | null;
  error_title: string | null;
  biz_opaque_callback_data: string | null;
  conversation_id: string | null;
  pricing_category: string | null;
  /** PMP or CBP. */
  pricing_model: ColumnType<string | null, string | null | undefined, never>;
  /** regular, free_customer_service or free_entry_point. */
  pricing_type: ColumnType<string | null, string | null | undefined, never>;
  billable: ColumnType<boolean | null, boolean | null | undefined, never>;
  conversation_origin: ColumnType<string | null, string | null | undefined, never>;
  conversation_expires_at: ColumnType<Date | null, Date | null | undefined, never>;
  payload: unknown;
  received_at: ColumnType<Date, Date | string | undefined, never>;
}
export type MessageStatusEventRow = Selectable<MessageStatusEventsTable>;

export interface MessageRevisionsTable {
  id: Generated<number>;
  organization_id: string;
  wamid: string;
  revision_wamid: string;
  kind: 'original' | 'edit' | 'revoke';
  type: string | null;
  body: string | null;
  payload: unknown;
  source: MessageSource;
  occurred_at: ColumnType<Date, Date | string, Date | string>;
  received_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface MessageVersionsView {
  organization_id: string;
  wamid: string;
  version: number;
  type: string | null;
  body: string | null;
  payload: unknown;
  edit_wamid: string | null;
  edited_at: Date;
}

export interface MessageReactionsTable {
  id: Generated<number>;
  organization_id: string;
  wamid: string;
  contact_wa_id: string;
  direction: MessageDirection;
  emoji: string;
  reaction_wamid: string;
  reacted_at: ColumnType<Date, Date | string, Date | string>;
  removed_at: Timestamp;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
