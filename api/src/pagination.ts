import { z } from '@hono/zod-openapi';
import { ApiProblem } from './problem';

/** `?limit=&cursor=` of every list. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .openapi({ description: 'Items per page (1–500, default 50)' }),
  cursor: z
    .string()
    .max(500)
    .optional()
    .openapi({ description: 'The `next_cursor` of the previous page' }),
});
export type PageParams = z.infer<typeof PageQuery>;

/** A page of a list: the items, and the cursor of the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      next_cursor: z.string().nullable().openapi({ description: 'null on the last page' }),
    })
    .openapi(name);
}

type Key = string | number | null;

/** An opaque cursor: the sort key of the last item of a page (keyset pagination, stable under inserts). */
export function encodeCursor(key: readonly Key[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key a cursor holds; a 400 naming `query.cursor` when it is not one of ours. */
export function decodeCursor(cursor: string, arity: number): Key[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => k === null || typeof k === 'string' || typeof k === 'number')
    )
      return key as Key[];
  } catch {
    // answered below
  }
  throw new ApiProblem(400, 'query.cursor: not a cursor of this list', {
    errors: [{ field: 'query.cursor', message: 'not a cursor of this list' }],
  });
}

/**
 * The page of `rows` fetched with `limit + 1` (the extra row says whether
 * there is a next page), with the cursor built from the last row kept.
 */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => Key[],
  present: (row: R) => T,
): { data: T[]; next_cursor: string | null } {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    data: kept.map(present),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** A Date (or null) as an ISO 8601 string, the API's only time format. */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}
