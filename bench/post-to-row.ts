// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { metaEscape, signPayload } from '@waba/whatsapp';
import { messagesEntry, textMessage, webhookPayload } from '@waba/whatsapp/testing';
import { loadConfig } from '../local/src/config';
import { startStack } from '../local/src/stack';

/**
 * Latency from a signed POST on the local stack to its row being visible in
 * `messages`, one webhook at a time (the processor's batching window included).
 * Usage: npm run bench:latency [-- <count>]
 */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const dir = mkdtempSync(join(tmpdir(), 'waba-bench-'));
  const { config } = loadConfig({
    ...process.env,
    PORT: '0',
    EMBEDDED_PG_DATA_DIR: join(dir, 'pg'),
    EMBEDDED_PG_PORT: String(40000 + Math.floor(Math.random() * 20000)),
    STACK_STATE_FILE: join(dir, 'stack.json'),
  });
  const stack = await startStack(config, pino({ level: 'warn' }));
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const body = `latency probe ${i} ${Date.now()}`;
      const raw = metaEscape(
        JSON.stringify(
          webhookPayload({
            entries: [messagesEntry({ messages: [textMessage({ from: '5511900000000', body })] })],
          }),
        ),
      );
      const start = performance.now();
      const response = await fetch(`${stack.url}/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signPayload(raw, config.appSecret),
        },
        body: raw,
      });
      if (response.status !== 200) throw new Error(`POST answered ${response.status}`);
      for (;;) {
        const row = await sql`select 1 from messages where body = ${body}`.execute(stack.db);
        if (row.rows.length) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - start);
    }
  } finally {
    await stack.stop();
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(
    `POST → row visible in messages, ${count} webhooks one at a time (batching window ${config.ingest.windowSeconds * 1000} ms):`,
  );
  console.log(
    `  p50 ${pct(50)} ms   p90 ${pct(90)} ms   p99 ${pct(99)} ms   max ${latencies.at(-1)!.toFixed(1)} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
