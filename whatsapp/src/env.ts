import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';
import { EnvError } from './errors';

/*
 * Building blocks of each deployable's environment schema. zod/mini, not the
 * classic API: it tree-shakes to a few KB, so the receiver keeps its
 * cold-start budget (docs/benchmarks.md). Unset means the default; any other
 * value, the empty string included, must be valid: `Number('')` is 0 and
 * `Number('abc')` NaN, both of which a handler would otherwise run with.
 */

const WHOLE = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function rangeText(kind: string, min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER) return `must be a ${kind} ≥ ${min}`;
  return `must be a ${kind} from ${min} to ${max}`;
}

function numeral(pattern: RegExp, kind: string, fallback: number, min: number, max: number) {
  const message = rangeText(kind, min, max);
  return z._default(
    z.pipe(
      z.string({ error: message }).check(z.regex(pattern, message)),
      z.coerce.number<string>().check(z.gte(min, message), z.lte(max, message)),
    ),
    fallback,
  );
}

/** A whole number; unset: `fallback`. */
export function envInt(
  fallback: number,
  range: { min?: number; max?: number } = {},
): core.$ZodType<number, string | undefined> {
  return numeral(
    WHOLE,
    'whole number',
    fallback,
    range.min ?? 0,
    range.max ?? Number.MAX_SAFE_INTEGER,
  );
}

/** A decimal number (e.g. seconds as `0.2`); unset: `fallback`. */
export function envNumber(
  fallback: number,
  range: { min?: number; max?: number } = {},
): core.$ZodType<number, string | undefined> {
  return numeral(DECIMAL, 'number', fallback, range.min ?? 0, range.max ?? Number.MAX_SAFE_INTEGER);
}

/**
 * A variable that must be set to a non-empty value. Its input type is `string`
 * (not `string | undefined`), so {@link EnvVars} makes it a required key.
 */
export function envRequired(): core.$ZodType<string, string> {
  return z.string({ error: 'must be set' }).check(z.minLength(1, 'must be set'));
}

/** A variable that may be unset; empty counts as unset. */
export function envOptional(): core.$ZodType<string | undefined, string | undefined> {
  return z.pipe(
    z.optional(z.string()),
    z.transform((v: string | undefined) => (v === '' ? undefined : v)),
  );
}

/** The environment as one deployable reads it. */
export type EnvSource = Record<string, string | undefined>;

/**
 * Validates an environment against a deployable's schema, once, at start.
 * Throws an EnvError naming every variable with a value it cannot use (and
 * the value, for non-secret settings: secrets are only ever "must be set").
 */
export function parseEnv<T>(schema: core.$ZodType<T>, env: EnvSource): T {
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const variables = [...new Set(result.error.issues.map((i) => String(i.path[0] ?? '')))];
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const value = env[name];
    return `${name} ${issue.message}${value === undefined ? '' : `, got ${JSON.stringify(value)}`}`;
  });
  throw new EnvError(`invalid environment: ${lines.join('; ')}`, variables);
}

/** A deployable's `…FromEnv()`: validates an environment (default: this process's) against `schema`. */
export function envReader<T>(schema: core.$ZodType<T>): (env?: EnvSource) => T {
  return (env = process.env) => parseEnv(schema, env);
}

/** A variable's value as a deployment tool writes it: numbers are written out. */
export type EnvValue = string | number;

/** A deployable's environment schema: an object of variables. */
export type EnvSchema = core.$ZodType<unknown, Record<string, string | undefined>>;

/**
 * The variables of a deployable's schema as whoever deploys it fills them in:
 * the keys are the schema's names, a variable the schema requires is a
 * required key and every other one optional, so a renamed variable or a
 * newly required one is a type error where the environment is built.
 */
export type EnvVars<S extends EnvSchema> = {
  [K in keyof core.input<S> as undefined extends core.input<S>[K] ? never : K]-?: EnvValue;
} & {
  [K in keyof core.input<S> as undefined extends core.input<S>[K] ? K : never]?:
    EnvValue | undefined;
};

/**
 * A deployable's environment from typed values (`envFor(receiverEnvSchema, {...})`):
 * numbers written as strings, unset values left out. The schema is the type's
 * source; the values are validated when the deployable starts, and by
 * infra/tests/env-contracts.test.ts on the synthesized template.
 */
export function envFor<S extends EnvSchema>(
  _schema: S,
  values: EnvVars<S>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values as Record<string, EnvValue | undefined>)) {
    if (value !== undefined) out[name] = String(value);
  }
  return out;
}

/**
 * Some of a contract's variables, typed by their names (the rest of the
 * environment is set by another part of the same deployment).
 */
export function envSome<S extends EnvSchema>(
  schema: S,
  values: Partial<EnvVars<S>>,
): Record<string, string> {
  return envFor(schema, values as EnvVars<S>);
}
