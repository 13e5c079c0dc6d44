import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Parameters as FcParameters } from 'fast-check';

/**
 * `RELIABILITY_LONG=1 npx jest reliability`: the long mode, tens of times more
 * inputs per property. The default keeps `npm test` within a few minutes on 2 cores.
 */
export const LONG = process.env.RELIABILITY_LONG === '1';

/** Jest's limit for one property test: a few minutes, an hour in the long mode. */
export const PROPERTY_TIMEOUT_MS = LONG ? 3_600_000 : 240_000;

/** Runs of a property: `normal` in `npm test`, `long` with RELIABILITY_LONG=1. */
export function runs(normal: number, long: number): number {
  return LONG ? long : normal;
}

/**
 * fast-check parameters. RELIABILITY_SEED replays a failing run, and with
 * RELIABILITY_PATH its counterexample alone (fast-check prints the seed and
 * path of every counterexample).
 */
export function fcParams<T>(numRuns: number): FcParameters<T> {
  const seed = process.env.RELIABILITY_SEED;
  const path = process.env.RELIABILITY_PATH;
  return {
    numRuns,
    endOnFailure: false,
    interruptAfterTimeLimit: LONG ? undefined : 150_000,
    markInterruptAsFailure: false,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(seed === undefined || path === undefined ? {} : { path }),
  };
}

const FIGURES = join(__dirname, '..', '..', '..', '.data', 'reliability');

/**
 * Records how many inputs a test tried, in `.data/reliability/<name>.json`
 * (git-ignored, one file per test so parallel workers do not race), so
 * docs/reliability.md can quote what the last run tried.
 */
export function countInputs(name: string, inputs: number, details: object = {}): void {
  mkdirSync(FIGURES, { recursive: true });
  const figure = { name, inputs, mode: LONG ? 'long' : 'normal', at: new Date().toISOString() };
  writeFileSync(join(FIGURES, `${name}.json`), JSON.stringify({ ...figure, ...details }) + '\n');
}
