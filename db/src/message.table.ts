import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type MessageDirection = 'inbound' | 'outbound';
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
  biz_opaque_callback_data: string | null;
  campaign_id: string | null;
  /** Inbound: the answer attempt that claimed it (null = not answered yet). */
  answer_attempt_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Outbound replies: the customer messages this one answers. */
  in_reply_to: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
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
  payload: unknown;
  received_at: ColumnType<Date, Date | string | undefined, never>;
}
export type MessageStatusEventRow = Selectable<MessageStatusEventsTable>;
