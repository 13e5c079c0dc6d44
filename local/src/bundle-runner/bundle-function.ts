import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@waba/whatsapp';

/** A built Lambda bundle, invoked as Lambda invokes it. */
export interface BundleFunction<E, R> {
  invoke(event: E): Promise<R>;
  /** Invocations so far, and execution environments started (cold starts). */
  stats(): { invocations: number; coldStarts: number };
  /** Ends every execution environment (an invocation still running rejects). */
  stop(): Promise<void>;
}

export interface BundleFunctionOptions {
  /** The function's name, as its context reports it. */
  name: string;
  /** The bundle (an ESM file exporting `handler`). */
  file: string;
  /** The function's whole environment: nothing of this process's leaks in. */
  env: Record<string, string>;
  /** Where the function's console output goes (Lambda: its log group), one entry per line. */
  logger: Logger;
  /** Execution environments at most; invocations beyond wait for one (Lambda: reserved concurrency). */
  maxInstances?: number;
}

interface Reply {
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
  initFailed?: boolean;
}

interface Instance {
  worker: Worker;
  settle?: (reply: Reply) => void;
}

const WORKER = join(__dirname, 'lambda-worker.mjs');

/** The handler's error as the caller sees it (Lambda's errorType / errorMessage). */
function toError(name: string, e: NonNullable<Reply['error']>): Error {
  const error = new Error(`${name}: ${e.message}`);
  error.name = e.name;
  if (e.stack) error.stack = e.stack;
  return error;
}

/**
 * Runs a bundle as Lambda does: each execution environment is a worker
 * thread with the function's environment as its process.env, which imports
 * the bundle once and handles one event at a time; concurrent invocations get
 * environments of their own (created on demand, kept warm). A failed import
 * (an init error) discards its environment; the next invocation starts anew.
 */
export function startBundleFunction<E, R>(options: BundleFunctionOptions): BundleFunction<E, R> {
  if (!existsSync(options.file)) {
    throw new Error(`${options.name}: no bundle at ${options.file} (npm run bundle builds them)`);
  }
  const maxInstances = options.maxInstances ?? 10;
  const all = new Set<Instance>();
  const idle: Instance[] = [];
  const waiting: Array<(instance: Instance) => void> = [];
  let stopped = false;
  const counts = { invocations: 0, coldStarts: 0 };

  const settle = (instance: Instance, reply: Reply) => {
    const done = instance.settle;
    instance.settle = undefined;
    done?.(reply);
  };

  const spawn = (): Instance => {
    const worker = new Worker(WORKER, {
      env: { ...options.env },
      workerData: { file: options.file, functionName: options.name },
      stdout: true,
      stderr: true,
    });
    // The function's own logger writes to fd 1 itself; console and process warnings come here.
    createInterface({ input: worker.stdout }).on('line', (line) => options.logger.info(line));
    createInterface({ input: worker.stderr }).on('line', (line) => options.logger.warn(line));
    const instance: Instance = { worker };
    worker.on('message', (reply: Reply) => {
      settle(instance, reply);
      if (reply.initFailed) discard(instance);
      else release(instance);
    });
    const lost = (message: string) => {
      settle(instance, { error: { name: 'Error', message } });
      discard(instance);
    };
    worker.on('error', (error) => lost(`execution environment failed: ${error.message}`));
    worker.on('exit', (code) => lost(`execution environment exited (code ${code})`));
    all.add(instance);
    counts.coldStarts += 1;
    return instance;
  };

  const release = (instance: Instance) => {
    const next = waiting.shift();
    if (next) next(instance);
    else idle.push(instance);
  };

  const discard = (instance: Instance) => {
    if (!all.delete(instance)) return;
    const i = idle.indexOf(instance);
    if (i >= 0) idle.splice(i, 1);
    void instance.worker.terminate();
    const next = !stopped && waiting.shift();
    if (next) next(spawn());
  };

  const acquire = (): Promise<Instance> => {
    const instance = idle.pop() ?? (all.size < maxInstances ? spawn() : undefined);
    return instance ? Promise.resolve(instance) : new Promise((resolve) => waiting.push(resolve));
  };

  return {
    async invoke(event) {
      if (stopped) throw new Error(`${options.name} is stopped`);
      counts.invocations += 1;
      const instance = await acquire();
      const reply = await new Promise<Reply>((resolve) => {
        instance.settle = resolve;
        instance.worker.postMessage({ event });
      });
      if (reply.error) throw toError(options.name, reply.error);
      return reply.result as R;
    },
    stats: () => ({ ...counts }),
    async stop() {
      stopped = true;
      const instances = [...all];
      await Promise.all(instances.map((instance) => instance.worker.terminate()));
    },
  };
}
