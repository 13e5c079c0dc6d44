import type { ColumnType, Generated, Selectable } from 'kysely';

/** One erasure of a customer: who, when, how many rows of which kind; never the data. */
export interface ErasureLogTable {
  id: Generated<number>;
  organization_id: string;
  erased_at: ColumnType<Date, Date | undefined, never>;
  erased_by: string;
  kinds: string[];
  row_counts: ColumnType<Record<string, number>, string, never>;
}
export type ErasureLogRow = Selectable<ErasureLogTable>;
