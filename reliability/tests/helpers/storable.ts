// A lone UTF-16 surrogate: JSON can escape it, Postgres text and jsonb cannot hold it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * What Postgres can keep of a value: in every string (keys too), NUL and
 * lone surrogates become U+FFFD; everything else is kept verbatim.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string')
    return value.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storable(k), storable(v)]),
    ) as T;
  return value;
}
