import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { upsertOrganization } from '@waba/db';
import { createTestDatabase, type TestDatabase } from '@waba/testing';
import { cliFailure } from '../src/cli';
import { UsageError } from '../src/cli-common';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');

describe('cliFailure()', () => {
  it.each<[string, Error, number, RegExp[]]>([
    [
      'a usage error: the message, then the usage, exit 2',
      new UsageError('--org is required'),
      2,
      [/--org is required/, /^usage: npm run cli/],
    ],
    [
      'any other error: the message alone, exit 1',
      new Error('no organization with slug x'),
      1,
      [/no organization/],
    ],
  ])('%s', (_, error, code, lines) => {
    const printed: string[] = [];

    expect(cliFailure(error, (line) => printed.push(line))).toBe(code);
    expect(printed).toHaveLength(lines.length);
    lines.forEach((pattern, i) => expect(printed[i]).toMatch(pattern));
  });
});

describe('local/src/bin/cli.ts (npm run cli)', () => {
  let t: TestDatabase;
  const env = () => ({
    ...process.env,
    DATABASE_URL: t.url,
    STACK_STATE_FILE: join(mkdtempSync(join(tmpdir(), 'waba-cli-bin-')), 'no-stack.json'),
  });
  const cli = (...args: string[]) =>
    run(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'local/src/bin/cli.ts'), ...args],
      {
        cwd: root,
        env: env(),
      },
    );

  beforeAll(async () => {
    t = await createTestDatabase();
    await upsertOrganization(t.db, { name: 'Acme', slug: 'acme-bin', phoneNumbers: [] });
  });
  afterAll(() => t.destroy());

  it('runs the command of its arguments', async () => {
    const { stdout } = await cli('org', 'list');
    expect(stdout).toMatch(/^acme-bin\t/m);
  });

  it('exits 2 with the usage on a usage error', async () => {
    await expect(cli('agent', 'show')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--org is required\nusage: npm run cli/),
    });
  });
});
