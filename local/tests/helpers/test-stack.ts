import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type TestDatabase } from '@waba/testing';
import { loadConfig } from '../../src/config';
import { startStack, type Stack } from '../../src/stack';

/**
 * The local stack on a free port over a test database, with a state file of
 * its own (so the CLI of the test talks to it). `env` adds or overrides
 * settings, as the environment of `npm start` would.
 */
export async function startTestStack(t: TestDatabase, env: Record<string, string>): Promise<Stack> {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'waba-state-')), 'stack.json');
  process.env.STACK_STATE_FILE = stateFile;
  const { config } = loadConfig({
    PORT: '0',
    DATABASE_URL: t.url,
    STACK_STATE_FILE: stateFile,
    INGEST_BATCHING_WINDOW_SECONDS: '0',
    ...env,
  });
  return startStack(config, pino({ level: 'silent' }));
}
