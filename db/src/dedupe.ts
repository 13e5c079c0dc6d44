/** One row per key; `pick` chooses between an existing row and a new one. */
export function dedupe<T>(
  rows: readonly T[],
  key: (row: T) => string,
  pick: (a: T, b: T) => T,
): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const seen = byKey.get(k);
    byKey.set(k, seen === undefined ? row : pick(seen, row));
  }
  return [...byKey.values()];
}
