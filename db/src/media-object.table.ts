import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { MediaType } from '@waba/whatsapp';

/** pending: queued; stored: in S3; failed: see reason; expired: Meta no longer has it. */
export type MediaState = 'pending' | 'stored' | 'failed' | 'expired';

type Timestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** One media id of an organization, archived (or being archived) to S3. */
export interface MediaObjectsTable {
  id: Generated<number>;
  organization_id: string;
  /** The inbound message (messages.id) that carried the media. */
  message_id: number | null;
  wamid: string;
  media_id: string;
  media_type: MediaType;
  mime_type: string | null;
  bytes: number | null;
  sha256: string | null;
  s3_key: string | null;
  state: ColumnType<MediaState, MediaState | undefined, MediaState>;
  reason: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  stored_at: Timestamp;
}
export type MediaObjectRow = Selectable<MediaObjectsTable>;
export type NewMediaObject = Insertable<MediaObjectsTable>;
export type MediaObjectUpdate = Updateable<MediaObjectsTable>;
