import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './connection';
import type { ApiKeyRow, ApiKeyScope } from './api-key.table';

/** Who a request's key says it is. */
export interface ApiPrincipal {
  keyId: string;
  /** Null for a platform key. */
  organizationId: string | null;
  scope: ApiKeyScope;
  rateLimitPerMinute: number;
}

export interface CreatedApiKey {
  id: string;
  /** The key itself: shown once, never stored. */
  key: string;
  prefix: string;
  scope: ApiKeyScope;
  organizationId: string | null;
}

const SCOPE_LETTER: Record<ApiKeyScope, string> = { read: 'r', write: 'w', platform: 'p' };
const PREFIX_LENGTH = 12;

/** SHA-256 of a key: keys carry 256 random bits, so no slow hash is needed to resist guessing. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * A new key for an organization (scope read or write) or for the platform
 * (organizationId null, scope platform). Keys read `waba_<r|w|p>_<43 chars>`.
 */
export async function createApiKey(
  db: Db,
  input: {
    organizationId: string | null;
    scope: ApiKeyScope;
    name: string;
    rateLimitPerMinute?: number;
  },
): Promise<CreatedApiKey> {
  if ((input.scope === 'platform') !== (input.organizationId === null))
    throw new Error('a platform key has no organization; a read or write key has one');
  const key = `waba_${SCOPE_LETTER[input.scope]}_${randomBytes(32).toString('base64url')}`;
  const prefix = key.slice(0, PREFIX_LENGTH);
  const row = await db
    .insertInto('api_keys')
    .values({
      organization_id: input.organizationId,
      scope: input.scope,
      name: input.name,
      key_prefix: prefix,
      key_hash: hashApiKey(key),
      ...(input.rateLimitPerMinute === undefined
        ? {}
        : { rate_limit_per_minute: input.rateLimitPerMinute }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key, prefix, scope: input.scope, organizationId: input.organizationId };
}

export type ApiKeyListing = Omit<ApiKeyRow, 'key_hash'>;

/** An organization's keys (or, with null, the platform's), newest first, revoked ones included. */
export async function listApiKeys(db: Db, organizationId: string | null): Promise<ApiKeyListing[]> {
  let q = db
    .selectFrom('api_keys')
    .select([
      'id',
      'organization_id',
      'scope',
      'name',
      'key_prefix',
      'rate_limit_per_minute',
      'created_at',
      'last_used_at',
      'revoked_at',
    ])
    .orderBy('created_at', 'desc')
    .orderBy('id');
  q =
    organizationId === null
      ? q.where('organization_id', 'is', null)
      : q.where('organization_id', '=', organizationId);
  return q.execute();
}

/** Revokes a key at once; false when there is no such key or it was revoked already. */
export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The principal of a key, or null when the key is unknown or revoked. */
export async function authenticateApiKey(db: Db, key: string): Promise<ApiPrincipal | null> {
  if (!/^waba_[rwp]_[A-Za-z0-9_-]{43}$/.test(key)) return null;
  // One statement: find the key and note its use at most once a minute.
  const { rows } = await sql<{
    id: string;
    organization_id: string | null;
    scope: ApiKeyScope;
    rate_limit_per_minute: number;
    revoked_at: Date | null;
  }>`
    with found as (
      select id, organization_id, scope, rate_limit_per_minute, revoked_at, last_used_at
      from api_keys where key_hash = ${hashApiKey(key)}
    ), touched as (
      update api_keys k set last_used_at = now() from found
      where k.id = found.id and found.revoked_at is null
        and (found.last_used_at is null or found.last_used_at < now() - interval '1 minute')
    )
    select id, organization_id, scope, rate_limit_per_minute, revoked_at from found`.execute(db);
  const row = rows[0];
  if (!row || row.revoked_at !== null) return null;
  return {
    keyId: row.id,
    organizationId: row.organization_id,
    scope: row.scope,
    rateLimitPerMinute: row.rate_limit_per_minute,
  };
}

export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Counts one request of a key in the current minute (fixed window, shared by
 * every API instance because it is in the database); `allowed` false past the limit.
 */
export async function consumeRateLimit(
  db: Db,
  principal: Pick<ApiPrincipal, 'keyId' | 'rateLimitPerMinute'>,
  now = new Date(),
): Promise<RateLimitState> {
  const windowStart = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const { rows } = await sql<{ requests: number }>`
    insert into api_rate_windows (api_key_id, window_start, requests)
    values (${principal.keyId}, ${windowStart}, 1)
    on conflict (api_key_id, window_start) do update set requests = api_rate_windows.requests + 1
    returning requests`.execute(db);
  // Old windows go now and then; nothing reads them.
  if (Math.random() < 0.01)
    await sql`delete from api_rate_windows where window_start < ${new Date(windowStart.getTime() - 3_600_000)}`.execute(
      db,
    );
  const requests = rows[0]!.requests;
  const limit = principal.rateLimitPerMinute;
  return {
    allowed: requests <= limit,
    limit,
    remaining: Math.max(0, limit - requests),
    resetSeconds: Math.ceil((windowStart.getTime() + 60_000 - now.getTime()) / 1000),
  };
}
