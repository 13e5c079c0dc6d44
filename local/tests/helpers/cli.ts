import { runCli } from '../../src/cli';

/** Runs the operator CLI as `npm run cli -- <args>` would; the lines it printed. */
export async function cliLines(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, (l) => lines.push(l));
  return lines;
}
