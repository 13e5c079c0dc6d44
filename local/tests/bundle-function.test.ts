import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startBundleFunction, type BundleFunction } from '../src/bundle-runner/bundle-function';

const dir = mkdtempSync(join(tmpdir(), 'waba-bundle-fn-'));

/** A bundle as esbuild writes one: an ESM file exporting `handler`. */
function bundle(name: string, source: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return file;
}

const ECHO = bundle(
  'echo',
  `
let calls = 0;
export async function handler(event, context) {
  calls += 1;
  if (event.fail) throw new TypeError('bad event');
  if (event.waitMs) await new Promise((r) => setTimeout(r, event.waitMs));
  return { calls, env: process.env, functionName: context.functionName, event };
}
`,
);

describe('startBundleFunction()', () => {
  const started: Array<BundleFunction<unknown, unknown>> = [];
  const start = (file: string, env: Record<string, string> = {}) => {
    const fn = startBundleFunction<unknown, Record<string, unknown>>({
      name: 'echo',
      file,
      env,
      logger: pino({ level: 'silent' }),
    });
    started.push(fn);
    return fn;
  };
  afterAll(async () => {
    await Promise.all(started.map((fn) => fn.stop()));
  });

  it("runs the handler with the function's environment only, and keeps the environment warm", async () => {
    const fn = start(ECHO, { ONLY_THIS: 'yes' });

    const first = await fn.invoke({ n: 1 });
    const second = await fn.invoke({ n: 2 });

    expect(first).toEqual({
      calls: 1,
      env: { ONLY_THIS: 'yes' },
      functionName: 'echo',
      event: { n: 1 },
    });
    expect(second).toMatchObject({ calls: 2, event: { n: 2 } });
    expect(fn.stats()).toEqual({ invocations: 2, coldStarts: 1 });
  });

  it('gives concurrent invocations execution environments of their own', async () => {
    const fn = start(ECHO);

    const results = await Promise.all([fn.invoke({ waitMs: 200 }), fn.invoke({ waitMs: 200 })]);

    expect(results.map((r) => (r as { calls: number }).calls)).toEqual([1, 1]);
    expect(fn.stats().coldStarts).toBe(2);
  });

  it("rejects with the handler's error and keeps the environment", async () => {
    const fn = start(ECHO);

    await expect(fn.invoke({ fail: true })).rejects.toMatchObject({
      name: 'TypeError',
      message: expect.stringContaining('bad event'),
    });
    expect(await fn.invoke({})).toMatchObject({ calls: 2 });
  });

  it('an init error fails the invocation and the next one starts a new environment', async () => {
    const marker = join(dir, 'initialized-once');
    const flaky = bundle(
      'flaky',
      `
import { existsSync, writeFileSync } from 'node:fs';
if (!existsSync(${JSON.stringify(marker)})) {
  writeFileSync(${JSON.stringify(marker)}, '');
  throw new Error('INGEST_QUEUE_URL: required');
}
export const handler = async () => 'ready';
`,
    );
    const fn = start(flaky);

    await expect(fn.invoke({})).rejects.toThrow(/INGEST_QUEUE_URL: required/);
    await expect(fn.invoke({})).resolves.toBe('ready');
    expect(fn.stats().coldStarts).toBe(2);
  });

  it('refuses to start without its bundle', () => {
    expect(() => start(join(dir, 'missing', 'index.mjs'))).toThrow(/no bundle at/);
  });
});
