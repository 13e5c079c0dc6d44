import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs the plans named in `wanted` (every plan when none is named) one after
 * the other, prints each result, and writes them all with the time to
 * .data/reliability/`file`.
 */
export async function runPlans<P, R>(spec: {
  /** What a plan is called in the message for an unknown name. */
  kind: string;
  plans: Record<string, P>;
  wanted: string[];
  run: (plan: P) => Promise<R>;
  print: (result: R) => void;
  file: string;
}): Promise<R[]> {
  const results: R[] = [];
  for (const name of spec.wanted.length ? spec.wanted : Object.keys(spec.plans)) {
    const plan = spec.plans[name];
    if (!plan)
      throw new Error(`unknown ${spec.kind} ${name}: ${Object.keys(spec.plans).join(', ')}`);
    console.log(`running ${name} ...`);
    const result = await spec.run(plan);
    results.push(result);
    spec.print(result);
  }
  const dir = join(__dirname, '..', '.data', 'reliability');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, spec.file),
    JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n',
  );
  return results;
}
