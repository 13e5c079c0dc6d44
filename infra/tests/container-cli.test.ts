import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { upsertOrganization } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { repoPath } from '../lib/paths';

const run = promisify(execFile);

/** The esbuild arguments of the Dockerfile's bundle step, with the output in `outdir`. */
function dockerfileEsbuildArgs(outdir: string): string[] {
  const dockerfile = readFileSync(repoPath('infra/container/Dockerfile'), 'utf8');
  const step = /^RUN npx esbuild ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1];
  if (!step) throw new Error('no esbuild step in the Dockerfile');
  const words = step.replace(/\\\n/g, ' ').match(/"[^"]*"|\S+/g) ?? [];
  return words
    .map((w) => w.replace(/^"(.*)"$/, '$1'))
    .map((w) => (w.startsWith('--outdir=') ? `--outdir=${outdir}` : w));
}

describe('the container bundle of the operator CLI (infra/container/cli.ts)', () => {
  let t: TestDatabase;
  let dist: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    await upsertOrganization(t.db, { name: 'Acme', slug: 'acme-container', phoneNumbers: [] });
    dist = mkdtempSync(join(tmpdir(), 'waba-container-'));
    await run(repoPath('node_modules/.bin/esbuild'), dockerfileEsbuildArgs(dist), {
      cwd: repoPath(),
    });
  }, 60_000);
  afterAll(() => t.destroy());

  it('runs the command of its arguments, built as the Dockerfile builds it', async () => {
    const { stdout } = await run(process.execPath, [join(dist, 'cli.mjs'), 'org', 'list'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: t.url,
        STACK_STATE_FILE: join(dist, 'no-stack.json'),
      },
    });

    expect(stdout).toMatch(/^acme-container\t/m);
  });
});
