import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export interface ChildService {
  readonly port: number;
  readonly process: ChildProcess;
  /** Graceful stop: SIGTERM, then wait for exit. */
  stop(): Promise<void>;
}

/**
 * Spawns one of the `*-server.mts` launchers in this folder under tsx and
 * waits for its `{"ready":true,"port":N}` line.
 */
export function startChildService(
  script: 'postgres-server.mts' | 'sqs-server.mts',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code}: ${stderr}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const info = JSON.parse(line) as { port: number };
      child.stdout?.resume();
      resolve({
        port: info.port,
        process: child,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
