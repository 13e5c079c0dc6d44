import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sql } from 'kysely';
import { withOrganization, type ApiKeyScope } from '@waba/db';
import type { ApiDeps, ApiEnv } from './context';
import { ApiProblem, invalid } from './problem';

/** What a route needs of its key. */
export type RouteScope = ApiKeyScope;

/** Rolls the request's transaction back while keeping the response already made. */
class Rollback extends Error {}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * A route's guard and unit of work:
 * - `read`: an organization key of either scope; `write`: a write key;
 *   `platform`: a platform key (403 otherwise; an organization route with a
 *   platform key is 403 too: platform keys manage organizations, not act for them);
 * - an organization's request runs in one transaction bound to its
 *   organization (`withOrganization`), rolled back when the answer is an error;
 * - a POST with an `Idempotency-Key` is answered once: a retry with the same
 *   key and body gets the stored response (`Idempotent-Replayed: true`), with
 *   another body a 422; a concurrent retry waits for the first to finish.
 */
export function scoped(deps: ApiDeps, scope: RouteScope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (scope === 'platform') {
      if (principal.scope !== 'platform')
        throw new ApiProblem(403, 'this route needs a platform key');
    } else {
      if (principal.scope === 'platform')
        throw new ApiProblem(
          403,
          "a platform key does not act for an organization: use one of the organization's keys",
        );
      if (scope === 'write' && principal.scope !== 'write')
        throw new ApiProblem(403, 'this route needs a write key; the key is read-only');
    }

    const idempotencyKey = c.req.method === 'POST' ? c.req.header('idempotency-key') : undefined;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey))
      throw invalid([
        { field: 'header.idempotency-key', message: '1 to 255 visible ASCII characters' },
      ]);

    const organizationId = principal.organizationId;
    if (organizationId === null) {
      // Platform routes: the operator's view, no organization to bind to.
      c.set('db', deps.db);
      return idempotent(c, idempotencyKey, null, next);
    }
    try {
      await withOrganization(deps.db, organizationId, async (trx) => {
        c.set('db', trx);
        await idempotent(c, idempotencyKey, organizationId, next);
        if (c.error || c.res.status >= 400) throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
  };
}

type Ctx = Parameters<MiddlewareHandler<ApiEnv>>[0];

async function idempotent(
  c: Ctx,
  key: string | undefined,
  organizationId: string | null,
  next: () => Promise<void>,
): Promise<void> {
  if (key === undefined) return next();
  const db = c.get('db');
  const keyId = c.get('principal').keyId;
  const body = await c.req.arrayBuffer();
  const requestHash = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n`)
    .update(Buffer.from(body))
    .digest();
  // A record older than a day is forgotten: the key may be used afresh.
  await db
    .deleteFrom('api_idempotency')
    .where('api_key_id', '=', keyId)
    .where('idempotency_key', '=', key)
    .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
    .execute();
  // Claims the key; a concurrent request with the same key waits here until the first commits.
  const claimed = await sql<{ claimed: boolean }>`
    insert into api_idempotency (api_key_id, idempotency_key, organization_id, request_hash)
    values (${keyId}, ${key}, ${organizationId}, ${requestHash})
    on conflict (api_key_id, idempotency_key) do nothing
    returning true as claimed`.execute(db);
  if (claimed.rows.length === 0) {
    const stored = await db
      .selectFrom('api_idempotency')
      .select(['request_hash', 'status_code', 'content_type', 'response_body', 'created_at'])
      .where('api_key_id', '=', keyId)
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    if (!stored.request_hash.equals(requestHash))
      throw new ApiProblem(
        422,
        'this Idempotency-Key was used for another request (another path or body)',
      );
    if (stored.status_code === null)
      throw new ApiProblem(409, 'a request with this Idempotency-Key is still in progress');
    c.res = new Response(stored.response_body, {
      status: stored.status_code,
      headers: {
        'content-type': stored.content_type ?? 'application/json',
        'idempotent-replayed': 'true',
      },
    });
    return;
  }
  await next();
  if (c.error || c.res.status >= 400) {
    // Not stored: an error is not an outcome to repeat (platform requests have no transaction to roll back).
    if (organizationId === null)
      await db
        .deleteFrom('api_idempotency')
        .where('api_key_id', '=', keyId)
        .where('idempotency_key', '=', key)
        .execute();
    return;
  }
  const text = await c.res.clone().text();
  await db
    .updateTable('api_idempotency')
    .set({
      status_code: c.res.status,
      content_type: c.res.headers.get('content-type'),
      response_body: text,
    })
    .where('api_key_id', '=', keyId)
    .where('idempotency_key', '=', key)
    .execute();
}
