import type { ColumnType, Generated, Selectable } from 'kysely';

export type ApiKeyScope = 'read' | 'write' | 'platform';

/** An HTTP API key: only its SHA-256 is kept. */
export interface ApiKeysTable {
  id: Generated<string>;
  organization_id: string | null;
  scope: ApiKeyScope;
  name: string;
  key_prefix: string;
  key_hash: Buffer;
  rate_limit_per_minute: Generated<number>;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface ApiRateWindowsTable {
  api_key_id: string;
  window_start: Date;
  requests: number;
}

export interface ApiIdempotencyTable {
  api_key_id: string;
  idempotency_key: string;
  organization_id: string | null;
  request_hash: Buffer;
  status_code: number | null;
  content_type: string | null;
  response_body: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}
