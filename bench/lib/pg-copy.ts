import type { ClientBase } from 'pg';

/*
 * COPY over node-postgres without pg-copy-streams: a "submittable" (the
 * interface pg's own Query implements) that sends the COPY statement, then
 * either collects the CopyData the server sends (TO STDOUT) or sends one
 * buffer as CopyData (FROM STDIN).
 */

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyQuery {
  callback?: (error: Error | null) => void;
  readonly chunks: Buffer[] = [];

  constructor(
    readonly text: string,
    private readonly input?: Buffer,
  ) {}

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: CopyConnection): void {
    if (this.input && this.input.length > 0) connection.sendCopyFromChunk(this.input);
    connection.endCopyFrom();
  }
  handleCopyData(message: { chunk: Buffer }): void {
    // The chunk is a view into pg's receive buffer, which the next read reuses.
    this.chunks.push(Buffer.from(message.chunk));
  }
  handleError(error: Error): void {
    this.callback?.(error);
  }
  handleReadyForQuery(): void {
    this.callback?.(null);
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

function run(client: ClientBase, copy: CopyQuery): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    (client as unknown as { query(q: CopyQuery, cb: (e: Error | null) => void): void }).query(
      copy,
      (error) => (error ? reject(error) : resolve(Buffer.concat(copy.chunks))),
    );
  });
}

export const copyOut = (client: ClientBase, text: string): Promise<Buffer> =>
  run(client, new CopyQuery(text));

export const copyIn = (client: ClientBase, text: string, data: Buffer): Promise<unknown> =>
  run(client, new CopyQuery(text, data));

/** A table as COPY sees it: its name and the columns a COPY may write. */
export interface CopyTable {
  name: string;
  columns: string[];
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const columnList = (t: CopyTable) => t.columns.map(ident).join(', ');

/**
 * The tables of the public schema that hold rows, partitioned tables as
 * their parent (never a partition), each with its writable columns (not
 * generated), read from the catalog so no column list is written here.
 * Ordered so that a table comes after the tables its foreign keys name.
 */
export async function tablesWithRows(client: ClientBase): Promise<CopyTable[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(`
    select c.relname as name,
      array_agg(a.attname::text order by a.attnum) as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      and a.attgenerated = ''
    where c.relkind in ('r', 'p') and not c.relispartition
    group by c.relname`);
  const nonEmpty: CopyTable[] = [];
  for (const t of rows) {
    const r = await client.query(`select exists (select from ${ident(t.name)}) as x`);
    if ((r.rows[0] as { x: boolean }).x) nonEmpty.push(t);
  }
  const { rows: fks } = await client.query<{ child: string; parent: string }>(`
    select c.relname as child, p.relname as parent from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
    where k.contype = 'f' and k.conparentid = 0 and c.oid <> p.oid`);
  const names = new Set(nonEmpty.map((t) => t.name));
  const ordered: CopyTable[] = [];
  const placed = new Set<string>();
  while (ordered.length < nonEmpty.length) {
    const next = nonEmpty.find(
      (t) =>
        !placed.has(t.name) &&
        fks.every((f) => f.child !== t.name || placed.has(f.parent) || !names.has(f.parent)),
    );
    if (!next) throw new Error('foreign keys form a cycle among the written tables');
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/** Each table's rows in COPY's binary format. */
export async function dumpTables(
  client: ClientBase,
  tables: readonly CopyTable[],
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const t of tables) {
    out.set(
      t.name,
      await copyOut(
        client,
        `copy (select ${columnList(t)} from ${ident(t.name)}) to stdout (format binary)`,
      ),
    );
  }
  return out;
}

/** Loads dumped rows back, every table in one transaction, as the writer's batch commits. */
export async function loadTables(
  client: ClientBase,
  tables: readonly CopyTable[],
  dumps: ReadonlyMap<string, Buffer>,
): Promise<void> {
  await client.query('begin');
  try {
    for (const t of tables) {
      await copyIn(
        client,
        `copy ${ident(t.name)} (${columnList(t)}) from stdin (format binary)`,
        dumps.get(t.name)!,
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

export async function truncateTables(
  client: ClientBase,
  tables: readonly CopyTable[],
): Promise<void> {
  if (tables.length > 0)
    // cascade: tables that reference these (conversations, answer attempts → contacts) hold
    // nothing in a benchmark database, and Postgres refuses to truncate without them.
    await client.query(`truncate ${tables.map((t) => ident(t.name)).join(', ')} cascade`);
}

/** Rows per table, to check that two writers stored the same thing. */
export async function rowCounts(
  client: ClientBase,
  tables: readonly CopyTable[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const r = await client.query(`select count(*)::int as n from ${ident(t.name)}`);
    counts[t.name] = (r.rows[0] as { n: number }).n;
  }
  return counts;
}
