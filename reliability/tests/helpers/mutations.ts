import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One edit somewhere in a JSON tree: which node (by index in walk order) and what to do there. */
export interface Mutation {
  node: number;
  op: 'delete' | 'replace' | 'duplicate' | 'rename' | 'wrap';
  value: Json;
}

function pseudoRandomText(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out.push(String.fromCodePoint(0x4e00 + (seed % 0x5000)));
  }
  return out.join('');
}

/**
 * Stands for 5,000 nested arrays (10 KB): too deep to build as a value (the
 * test's own JSON.stringify would overflow), so {@link spliceDeepNesting}
 * puts them into the body's text.
 */
export const DEEP_NESTING = '__5000_nested_arrays__';

/** The raw body with every DEEP_NESTING string replaced by the nesting it stands for. */
export function spliceDeepNesting(raw: string): string {
  return raw.replaceAll(JSON.stringify(DEEP_NESTING), '['.repeat(5_000) + ']'.repeat(5_000));
}

/** Values that broke parsers, casts and indexes somewhere. */
export const HOSTILE_VALUES: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e300,
  2 ** 31,
  -(2 ** 53),
  '',
  ' ',
  '0',
  '99999999999999999999',
  '-1',
  '1e3',
  "'); DROP TABLE messages; --",
  'campaign:00000000-0000-0000-0000-000000000000',
  'campaign:not-a-uuid',
  '\u0000',
  'a\u0000b',
  '\ud83d',
  '\\u0000',
  '😀'.repeat(50),
  'x'.repeat(100_000),
  pseudoRandomText(1_000, 1),
  pseudoRandomText(3_000, 2),
  [],
  {},
  [[[[[[[[[[[]]]]]]]]]]],
  { object: 'whatsapp_business_account' },
  // zod's length checks compare `length` with a number: converting these objects throws.
  { length: { toString: 0 } },
  { length: [{ toString: 0 }] },
  DEEP_NESTING,
];

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  node: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'replace', 'replace', 'duplicate', 'rename', 'wrap'),
  value: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  ),
});

interface Slot {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
}

function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push({ parent: node, key: i });
        walk(child);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        out.push({ parent: node, key });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** Applies the edits to a copy of `value`, in order (each picks among the nodes left by the last). */
export function mutate(value: unknown, mutations: readonly Mutation[]): unknown {
  const root = structuredClone(value) as Json;
  for (const m of mutations) {
    const all = slots(root);
    if (all.length === 0) break;
    const { parent, key } = all[m.node % all.length]!;
    const record = parent as Record<string | number, Json>;
    const current = record[key]!;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete record[key];
    } else if (m.op === 'replace') {
      record[key] = structuredClone(m.value);
    } else if (m.op === 'duplicate' && Array.isArray(parent)) {
      parent.splice(key as number, 0, structuredClone(current));
    } else if (m.op === 'rename' && !Array.isArray(parent)) {
      delete record[key];
      record[`${String(key)}_`] = current;
    } else {
      record[key] = [current];
    }
  }
  return root;
}

/** Makes every wamid of a payload unique to it, so its rows can be told apart from its neighbours'. */
export function saltWamids(value: unknown, salt: string): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
    typeof v === 'string' && v.startsWith('wamid.') ? `${v}.${salt}` : v,
  );
}
