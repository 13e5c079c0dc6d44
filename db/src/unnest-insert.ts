import { sql, type Insertable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './database';
import { DbError } from './errors';
import { pgJson, pgText } from './pg-safe';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * One column's values, one per row, and how they travel: as one array
 * parameter of a Postgres array type, read back per row by `read`.
 */
export interface UnnestColumn<T> {
  readonly values: readonly T[];
  readonly arrayType: 'text[]' | 'uuid[]' | 'bigint[]' | 'int[]' | 'boolean[]' | 'timestamptz[]';
  readonly read?: (element: RawBuilder<unknown>) => RawBuilder<unknown>;
}

/** Text, NUL-safe (pgText). */
export const text = <T extends string | null>(values: readonly T[]): UnnestColumn<T> => ({
  values: values.map((v) => pgText(v) as T),
  arrayType: 'text[]',
});
export const uuid = <T extends string | null>(values: readonly T[]): UnnestColumn<T> => ({
  values,
  arrayType: 'uuid[]',
});
export const bigint = <T extends number | null>(values: readonly T[]): UnnestColumn<T> => ({
  values,
  arrayType: 'bigint[]',
});
export const int = <T extends number | null>(values: readonly T[]): UnnestColumn<T> => ({
  values,
  arrayType: 'int[]',
});
export const bool = <T extends boolean | null>(values: readonly T[]): UnnestColumn<T> => ({
  values,
  arrayType: 'boolean[]',
});
export const timestamptz = <T extends Date | null>(values: readonly T[]): UnnestColumn<T> => ({
  values,
  arrayType: 'timestamptz[]',
});
/** Any JSON value, as jsonb (pgJson: NUL and lone surrogates replaced). */
export const jsonb = <T>(values: readonly T[]): UnnestColumn<T> => ({
  values: values.map((v) => pgJson(v)) as unknown as readonly T[],
  arrayType: 'text[]',
  read: (element) => sql`${element}::jsonb`,
});
/** JSON values, as jsonb; null (and undefined) stay SQL null instead of JSON `null`. */
export const nullableJsonb = <T>(
  values: readonly (T | null | undefined)[],
): UnnestColumn<T | null> => ({
  values: values.map((v) =>
    v === null || v === undefined ? null : pgJson(v),
  ) as unknown as readonly (T | null)[],
  arrayType: 'text[]',
  read: (element) => sql`${element}::jsonb`,
});
/** A text[] column: unnest flattens nested arrays, so each list travels joined by commas. */
export const textList = (values: readonly (readonly string[])[]): UnnestColumn<string[]> => ({
  values: values.map((v) => pgText(v.join(','))) as unknown as readonly string[][],
  arrayType: 'text[]',
  read: (element) => sql`string_to_array(${element}, ',')`,
});

type InsertValue<TB extends keyof Database, C extends keyof Insertable<Database[TB]>> = Exclude<
  Insertable<Database[TB]>[C],
  undefined
>;

/**
 * The columns of one table, each with its values. A column's element type
 * must be what the table takes for that column, so an array given to the
 * wrong column does not type-check; naming every column makes the order of
 * the arrays irrelevant.
 */
export type UnnestColumns<TB extends keyof Database> = {
  [C in keyof Insertable<Database[TB]>]?: UnnestColumn<InsertValue<TB, C>>;
};

export interface UnnestInsertOptions<TB extends keyof Database> {
  /** Columns computed in SQL (constants, lookups over the unnested row `t`); they win over given ones. */
  computed?: { [C in keyof Insertable<Database[TB]>]?: RawBuilder<unknown> };
  /** Inserts only the rows of `t` this holds for. */
  where?: RawBuilder<unknown>;
  /** The statement's `on conflict …` clause. */
  onConflict?: RawBuilder<unknown>;
}

function entriesOf<TB extends keyof Database>(columns: UnnestColumns<TB>) {
  const entries = Object.entries(columns).filter(
    (e): e is [string, UnnestColumn<unknown>] => e[1] !== undefined,
  );
  const lengths = new Set(entries.map(([, c]) => c.values.length));
  if (lengths.size > 1)
    throw new DbError(
      `unnest columns differ in length: ${entries.map(([n, c]) => `${n}=${c.values.length}`).join(', ')}`,
    );
  return entries;
}

/**
 * `unnest($1::text[], $2::uuid[], …) as alias(col1, col2, …)`: the rows of the
 * arrays, one relation, its columns named after the table's.
 */
export function unnestRows<TB extends keyof Database>(
  _table: TB,
  columns: UnnestColumns<TB>,
  alias = 't',
): RawBuilder<unknown> {
  const entries = entriesOf(columns);
  const arrays = entries.map(([, c]) => sql`${c.values}::${sql.raw(c.arrayType)}`);
  const names = entries.map(([name]) => sql.ref(name));
  return sql`unnest(${sql.join(arrays)}) as ${sql.ref(alias)}(${sql.join(names)})`;
}

/**
 * Inserts one row per array position in one statement, whatever the number
 * of rows: `insert into table (…) select … from unnest(…) as t(…)`.
 */
export async function unnestInsert<TB extends keyof Database>(
  db: Executor,
  table: TB,
  columns: UnnestColumns<TB>,
  options: UnnestInsertOptions<TB> = {},
): Promise<void> {
  const given = entriesOf(columns);
  const computed = Object.entries(options.computed ?? {}) as [string, RawBuilder<unknown>][];
  const computedOf = new Map(computed);
  const names = [
    ...given.map(([name]) => name),
    ...computed.map(([name]) => name).filter((name) => !(name in columns)),
  ];
  const readOf = new Map(given.map(([name, c]) => [name, c.read]));
  const selected = names.map((name) => {
    const own = computedOf.get(name);
    if (own) return own;
    const element = sql.ref(`t.${name}`);
    return readOf.get(name)?.(element) ?? element;
  });
  await sql`
    insert into ${sql.table(table)} (${sql.join(names.map((name) => sql.ref(name)))})
    select ${sql.join(selected)} from ${unnestRows(table, columns)}
    ${options.where ? sql`where ${options.where}` : sql``}
    ${options.onConflict ?? sql``}
  `.execute(db);
}
