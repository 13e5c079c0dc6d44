// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { metaEscape } from '@waba/whatsapp';
import { messagesEntry, textMessage, webhookPayload, postSignedWebhook } from '@waba/testing';
import { loadConfig, type StackConfig } from '../../local/src/config';
import { startStack, type Stack } from '../../local/src/stack';

/** A throwaway local stack (own embedded Postgres in a temp dir) for a benchmark. */
export async function startBenchStack(
  env: Record<string, string> = {},
): Promise<{ stack: Stack; config: StackConfig }> {
  const dir = mkdtempSync(join(tmpdir(), 'waba-bench-'));
  const { config } = loadConfig({
    ...process.env,
    PORT: '0',
    EMBEDDED_PG_DATA_DIR: join(dir, 'pg'),
    EMBEDDED_PG_PORT: String(40000 + Math.floor(Math.random() * 20000)),
    STACK_STATE_FILE: join(dir, 'stack.json'),
    ...env,
  });
  return { stack: await startStack(config, pino({ level: 'warn' })), config };
}

/** Posts a signed customer text, as Meta would; resolves when the receiver answered 200. */
export async function postCustomerText(
  stack: Stack,
  secret: string,
  from: string,
  body: string,
): Promise<void> {
  const raw = metaEscape(
    JSON.stringify(
      webhookPayload({ entries: [messagesEntry({ messages: [textMessage({ from, body })] })] }),
    ),
  );
  const response = await postSignedWebhook(`${stack.url}/webhook`, raw, secret);
  if (response.status !== 200) throw new Error(`POST answered ${response.status}`);
}

// Kept here too: the stand-alone scripts (and other tools) import it from this module.
export { percentiles } from './stats';
