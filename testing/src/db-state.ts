import { sql } from 'kysely';
import type { Db } from '@waba/db';

/**
 * Columns that record when or how often we processed something, not what
 * Meta said: they legitimately differ between two deliveries of the same data.
 */
export const VOLATILE_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'created_at',
  'updated_at',
  'received_at',
  'first_processed_at',
  'last_processed_at',
  'delivery_count',
  'sqs_message_id',
]);

/** JSON with object keys sorted at every depth, so equal rows give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });
}

/** Every ordinary and partitioned table of the public schema (partitions folded into their parent). */
export async function listTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and c.relname not like 'kysely_%'
    order by 1`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * The whole database as data: for every table, every row with its volatile
 * columns left out, as canonical JSON, sorted. Tables and columns are
 * discovered, not listed, so a new column or table is compared too.
 * `where` keeps only some rows (e.g. one organization's), judged on all columns.
 */
export async function databaseState(
  db: Db,
  options: {
    volatile?: ReadonlySet<string>;
    where?: (table: string, row: Record<string, unknown>) => boolean;
  } = {},
): Promise<Record<string, string[]>> {
  const volatile = options.volatile ?? VOLATILE_COLUMNS;
  const state: Record<string, string[]> = {};
  // contact_id is an internal id like `id`: compared by the contact's phone number and user id.
  const contacts = await sql<{ id: number; wa_id: string | null; user_id: string | null }>`
    select id, wa_id, user_id from contacts`.execute(db);
  const contactKey = new Map(
    contacts.rows.map((c) => [c.id, `${c.wa_id ?? ''}|${c.user_id ?? ''}`]),
  );
  const stable = ([k, v]: [string, unknown]): [string, unknown] =>
    k === 'contact_id' && typeof v === 'number' ? [k, contactKey.get(v) ?? v] : [k, v];
  for (const table of await listTables(db)) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      db,
    );
    state[table] = rows
      .filter((row) => options.where?.(table, row) ?? true)
      .map((row) =>
        canonicalJson(
          Object.fromEntries(
            Object.entries(row)
              .filter(([k]) => !volatile.has(k))
              .map(stable),
          ),
        ),
      )
      .sort();
  }
  return state;
}

export interface DatabaseHit {
  table: string;
  row: Record<string, unknown>;
}

/**
 * Every row of every table whose text, array or JSON columns contain one of
 * `needles`: where a value still lives (the privacy proofs search for an erased person).
 */
export async function searchDatabase(db: Db, needles: readonly string[]): Promise<DatabaseHit[]> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join pg_class r on r.relname = c.table_name and r.relnamespace = 'public'::regnamespace
    where c.table_schema = 'public' and r.relkind in ('r', 'p') and not r.relispartition
      and c.table_name not like 'kysely_%'
      and (c.data_type in ('text', 'character varying', 'jsonb', 'json', 'tsvector', 'ARRAY'))
    order by 1, 2`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const c of columns)
    byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
  const patterns = needles.map((n) => `%${n.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  const hits: DatabaseHit[] = [];
  for (const [table, cols] of byTable) {
    const { rows } = await sql<{ row: Record<string, unknown> }>`
      select to_jsonb(t) as row from ${sql.table(table)} t
      where ${sql.join(
        cols.map((c) => sql`${sql.ref(c)}::text like any(${patterns}::text[])`),
        sql` or `,
      )}`.execute(db);
    hits.push(...rows.map((r) => ({ table, row: r.row })));
  }
  return hits;
}
