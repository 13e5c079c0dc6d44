import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as LoadRunModule from '../reliability/load/load-run';
import { ROOT } from './lib/build';

// Types only (erased at run time): the module itself is loaded after checking it is there.
export type LoadRunResult = LoadRunModule.LoadResult;
type RunLoad = typeof LoadRunModule.runLoad;

export const LOAD_RUN = join(ROOT, 'reliability', 'load', 'load-run.ts');

/** CPU seconds of one load run: this process, and its child processes once they exited. */
export interface CpuSplit {
  self: number;
  children: number;
}

export type LoadRun = LoadRunResult & { cpu?: CpuSplit };

export type EndToEndResult =
  | { missing: string }
  | {
      /** Open loop, as fast as the stack takes them: the sustained rate. */
      burst: LoadRun[];
      /** A steady 500 webhooks/s: POST → row latency under load. */
      steady: LoadRun[];
    };

/**
 * utime, stime, cutime, cstime of this process (Linux): the last two count
 * the children (SQS emulator, Postgres and its workers) that have exited.
 */
function cpuSeconds(): CpuSplit | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    const tick = (i: number) => Number(fields[i]) / 100;
    return { self: tick(11) + tick(12), children: tick(13) + tick(14) };
  } catch {
    return undefined;
  }
}

async function withCpu(run: () => Promise<LoadRunResult>): Promise<LoadRun> {
  const before = cpuSeconds();
  const result = await run();
  const after = cpuSeconds();
  return before && after
    ? {
        ...result,
        cpu: { self: after.self - before.self, children: after.children - before.children },
      }
    : result;
}

/**
 * End to end on the local stack, through the load tool of reliability/
 * (which starts its own stack): the rate sustained with zero loss, and
 * POST → row latency at 500 webhooks/s. Absent that tool, says so.
 */
export async function runEndToEnd(options: { quick: boolean }): Promise<EndToEndResult> {
  if (!existsSync(LOAD_RUN)) return { missing: 'reliability/load/load-run.ts missing' };
  const loaded = (await import(pathToFileURL(LOAD_RUN).href)) as {
    runLoad?: RunLoad;
    default?: { runLoad?: RunLoad };
  };
  const runLoad = loaded.runLoad ?? loaded.default?.runLoad;
  if (typeof runLoad !== 'function') {
    return { missing: 'reliability/load/load-run.ts does not export runLoad' };
  }
  const runs = options.quick ? 1 : 3;
  const durationSeconds = options.quick ? 10 : 60;
  const burst: LoadRun[] = [];
  const steady: LoadRun[] = [];
  for (let i = 0; i < runs; i++) {
    burst.push(await withCpu(() => runLoad({ mode: 'burst', durationSeconds })));
    steady.push(
      await withCpu(() => runLoad({ mode: 'steady', ratePerSecond: 500, durationSeconds })),
    );
  }
  return { burst, steady };
}
